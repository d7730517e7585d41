package dev.kvmtune.qemutrace;

import dev.kvmtune.util.ByteOut;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

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
    private final Map<TraceEvent, byte[][]> prefixes = new IdentityHashMap<>();
    private boolean first = true;
    private long last;

    public SimpletraceText(ByteOut out) {
        this.out = out;
    }

    @Override
    public void record(TraceRecord r) throws IOException {
        byte[][] pre = prefixes.computeIfAbsent(r.event, SimpletraceText::prefixes);
        if (!r.text && r.hasTimestamp && r.hasPid && r.timestampNs >= 0 && (first || last >= 0)) {
            int bound = pre[pre.length - 1].length + 64;
            List<TraceEvent.Arg> args = r.event.args();
            for (int i = 0; i < args.size(); i++) bound += args.get(i).isString() ? 4 * r.stringLength[i] + 3 : 16;
            if (bound <= out.capacity()) {
                fast(r, pre, args, bound);
                return;
            }
        }
        out.write(pre[0]);
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
            List<TraceEvent.Arg> args = r.event.args();
            for (int i = 0; i < args.size(); i++) {
                out.write(pre[i + 1]);
                if (args.get(i).isString()) {
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

    private static final byte[] PID = " pid=".getBytes(StandardCharsets.US_ASCII);

    /** The common record (binary, version 3+, small delta) formatted straight into the output buffer. */
    private void fast(TraceRecord r, byte[][] pre, List<TraceEvent.Arg> args, int bound) throws IOException {
        long ts = r.timestampNs;
        if (first) {
            last = ts;
            first = false;
        }
        long d = ts - last;
        last = ts;
        if (d <= -EXACT || d >= EXACT) {
            slowFields(r, pre, args, d);
            return;
        }
        byte[] b = out.reserve(bound);
        int n = out.position();
        byte[] name = pre[0];
        System.arraycopy(name, 0, b, n, name.length);
        n += name.length;
        b[n++] = ' ';
        if (d < 0) {
            b[n++] = '-';
            d = -d;
        }
        n = dec(b, n, d / 1000);
        long frac = d % 1000;
        b[n++] = '.';
        b[n++] = (byte) ('0' + frac / 100);
        b[n++] = (byte) ('0' + frac / 10 % 10);
        b[n++] = (byte) ('0' + frac % 10);
        System.arraycopy(PID, 0, b, n, PID.length);
        n = dec(b, n + PID.length, r.pid);
        for (int i = 0; i < args.size(); i++) {
            byte[] p = pre[i + 1];
            System.arraycopy(p, 0, b, n, p.length);
            n += p.length;
            if (args.get(i).isString()) {
                n = repr(b, n, r.bytes, (int) r.values[i], r.stringLength[i]);
            } else {
                long v = r.values[i];
                int digits = v == 0 ? 1 : (67 - Long.numberOfLeadingZeros(v)) / 4;
                for (int k = n + digits - 1; k >= n; k--) {
                    b[k] = HEX[(int) (v & 15)];
                    v >>>= 4;
                }
                n += digits;
            }
        }
        b[n++] = '\n';
        out.position(n);
    }

    private void slowFields(TraceRecord r, byte[][] pre, List<TraceEvent.Arg> args, long d) throws IOException {
        out.write(pre[0]).write((byte) ' ');
        delta(r.timestampNs, r.timestampNs - d);
        out.ascii(" pid=").dec(r.pid);
        for (int i = 0; i < args.size(); i++) {
            out.write(pre[i + 1]);
            if (args.get(i).isString()) bytesRepr(r.bytes, (int) r.values[i], r.stringLength[i]);
            else out.hex(r.values[i]);
        }
        out.write((byte) '\n');
    }

    /** Non-negative decimal at b[n]; returns the end. */
    private static int dec(byte[] b, int n, long v) {
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        int end = n + digits;
        for (int i = end - 1; i >= n; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return end;
    }

    private static byte[][] prefixes(TraceEvent e) {
        List<TraceEvent.Arg> args = e.args();
        byte[][] p = new byte[args.size() + 1][];
        p[0] = e.name().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < args.size(); i++) {
            p[i + 1] = (" " + args.get(i).name() + (args.get(i).isString() ? "=" : "=0x")).getBytes(StandardCharsets.UTF_8);
        }
        return p;
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
