package dev.kvmtune.qemutrace;

import dev.kvmtune.util.ByteOut;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Prints records as QEMU's scripts/simpletrace.py does: {@code name delta_us pid=N arg=0xhex
 * str=b'bytes'}, the delta since the previous record in microseconds with three decimals (from
 * integer nanoseconds, so exact), integers in unsigned hex, strings as Python's repr of bytes.
 * Version 2 files print as the scripts of that time did: no pid, strings as raw bytes. Log-backend
 * records keep their argument text after the same three columns; without timestamps only the name
 * and the text are printed.
 */
public final class SimpletraceText implements TraceRecord.Sink {
    private static final long EXACT = 1L << 53;
    private final ByteOut out;
    private Layout[] layouts = new Layout[64];
    private boolean first = true;
    private long last;

    /** An event's printed pieces, made once: its name, " arg=" / " arg=0x" per argument, and the most a record can need. */
    private static final class Layout {
        final byte[] name;
        final byte[][] prefix;
        final boolean[] string;
        /** "name " and each prefix as little-endian 8-byte words, for the fast path's word stores. */
        final long[] nameWords;
        final long[][] prefixWords;
        /** Bytes a record needs apart from its strings' contents: name, delta, pid, prefixes, 16 hex digits per number, 8 of slack. */
        final int fixed;

        Layout(TraceEvent e) {
            List<TraceEvent.Arg> args = e.args();
            name = e.name().getBytes(StandardCharsets.UTF_8);
            nameWords = words((e.name() + " ").getBytes(StandardCharsets.UTF_8));
            prefix = new byte[args.size()][];
            prefixWords = new long[args.size()][];
            string = new boolean[args.size()];
            int f = name.length + 72;
            for (int i = 0; i < args.size(); i++) {
                string[i] = args.get(i).isString();
                prefix[i] = (" " + args.get(i).name() + (string[i] ? "=" : "=0x")).getBytes(StandardCharsets.UTF_8);
                prefixWords[i] = words(prefix[i]);
                f += prefix[i].length + (string[i] ? 3 : 16);
            }
            fixed = f;
        }
    }

    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The bytes as little-endian words, the last one zero-padded. */
    private static long[] words(byte[] bytes) {
        long[] w = new long[(bytes.length + 7) / 8];
        byte[] padded = Arrays.copyOf(bytes, w.length * 8);
        for (int i = 0; i < w.length; i++) w[i] = (long) LE64.get(padded, 8 * i);
        return w;
    }

    /** Stores the words at b[n] and returns n + len: up to seven bytes past the end are scratch. */
    private static int put(byte[] b, int n, long[] words, int len) {
        for (int i = 0; i < words.length; i++) LE64.set(b, n + 8 * i, words[i]);
        return n + len;
    }

    public SimpletraceText(ByteOut out) {
        this.out = out;
    }

    @Override
    public void record(TraceRecord r) throws IOException {
        int k = r.eventKey;
        if (k >= layouts.length) layouts = Arrays.copyOf(layouts, Math.max(k + 1, 2 * layouts.length));
        Layout l = layouts[k];
        if (l == null) l = layouts[k] = new Layout(r.event);
        if (!r.text && r.hasPid && r.timestampNs >= 0 && (first || last >= 0)) {
            long d = first ? 0 : r.timestampNs - last;
            int bound = l.fixed;
            for (int i = 0; i < l.string.length; i++) if (l.string[i]) bound += 4 * r.stringLength[i];
            if (d > -EXACT && d < EXACT && bound <= out.capacity()) {
                first = false;
                last = r.timestampNs;
                fast(r, l, d, bound);
                return;
            }
        }
        out.write(l.name);
        if (r.hasTimestamp) {
            long ts = r.timestampNs;
            if (first) {
                last = ts;
                first = false;
            }
            out.write((byte) ' ');
            delta(ts, last);
            last = ts;
            if (r.hasPid) out.ascii(" pid=").dec(r.pid);
        }
        if (r.text) {
            if (r.textEnd > r.textStart) out.write((byte) ' ').write(r.bytes, r.textStart, r.textEnd - r.textStart);
        } else {
            for (int i = 0; i < l.string.length; i++) {
                out.write(l.prefix[i]);
                if (l.string[i]) {
                    int s = (int) r.values[i];
                    if (r.hasPid) bytesRepr(r.bytes, s, r.stringLength[i]); // version 2 (no pid): the old scripts' raw strings
                    else out.write(r.bytes, s, r.stringLength[i]);
                } else {
                    out.hex(r.values[i]);
                }
            }
        }
        out.write((byte) '\n');
    }

    private static final long[] PID = words(" pid=".getBytes(StandardCharsets.US_ASCII));

    /** The common record (binary, version 3+, delta within 2^53 ns) formatted straight into the output buffer. */
    private void fast(TraceRecord r, Layout l, long d, int bound) throws IOException {
        byte[] b = out.reserve(bound);
        int n = put(b, out.position(), l.nameWords, l.name.length + 1);
        if (d < 0) {
            b[n++] = '-';
            d = -d;
        }
        long us = d / 1000;
        n = ByteOut.dec(b, n, us);
        b[n++] = '.';
        n = ByteOut.decPadded(b, n, d - us * 1000, 3);
        n = ByteOut.dec(b, put(b, n, PID, 5), r.pid);
        boolean[] string = l.string;
        for (int i = 0; i < string.length; i++) {
            byte[] p = l.prefix[i];
            n = put(b, n, l.prefixWords[i], p.length);
            n = string[i] ? repr(b, n, r.bytes, (int) r.values[i], r.stringLength[i]) : ByteOut.hex(b, n, r.values[i]);
        }
        b[n++] = '\n';
        out.position(n);
    }

    /** '%0.3f' % ((ts - last) / 1000.0) with Python's unbounded integers and float rounding. */
    private void delta(long ts, long last) throws IOException {
        if (ts >= 0 && last >= 0) {
            long d = ts - last;
            if (d > -EXACT && d < EXACT) {
                if (d < 0) {
                    out.write((byte) '-');
                    d = -d;
                }
                out.dec(d / 1000).write((byte) '.').decPadded(d % 1000, 3);
                return;
            }
        }
        BigInteger d = new BigInteger(Long.toUnsignedString(ts)).subtract(new BigInteger(Long.toUnsignedString(last)));
        double us = d.doubleValue() / 1000.0;
        out.ascii(new BigDecimal(us).setScale(3, RoundingMode.HALF_EVEN).toPlainString());
    }

    /** Python's repr() of a bytes object. */
    private void bytesRepr(byte[] b, int s, int len) throws IOException {
        if (4 * len + 3 <= out.capacity()) {
            byte[] dst = out.reserve(4 * len + 3);
            out.position(repr(dst, out.position(), b, s, len));
            return;
        }
        byte[] tmp = new byte[4 * len + 3];
        out.write(tmp, 0, repr(tmp, 0, b, s, len));
    }

    /** Python's repr() of b[s, s+len) written at dst[n] (room for 4 * len + 3 bytes); returns the end. */
    private static int repr(byte[] dst, int n, byte[] b, int s, int len) {
        boolean single = false;
        boolean dbl = false;
        for (int i = s; i < s + len; i++) {
            if (b[i] == '\'') single = true;
            else if (b[i] == '"') dbl = true;
        }
        byte quote = single && !dbl ? (byte) '"' : (byte) '\'';
        dst[n++] = 'b';
        dst[n++] = quote;
        for (int i = s; i < s + len; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != quote && c != '\\') {
                dst[n++] = (byte) c;
            } else if (c == quote || c == '\\') {
                dst[n++] = '\\';
                dst[n++] = (byte) c;
            } else if (c == '\t' || c == '\n' || c == '\r') {
                dst[n++] = '\\';
                dst[n++] = (byte) (c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
            } else {
                dst[n++] = '\\';
                dst[n++] = 'x';
                dst[n++] = HEX[c >> 4];
                dst[n++] = HEX[c & 15];
            }
        }
        dst[n++] = quote;
        return n;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
}
