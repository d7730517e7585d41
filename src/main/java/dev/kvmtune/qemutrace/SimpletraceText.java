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
    private final boolean pythonBytes;
    private final Map<TraceEvent, byte[][]> prefixes = new IdentityHashMap<>();
    private boolean first = true;
    private long last;

    /** @param pythonBytes strings as Python 3 prints bytes ({@code b'...'}); false for version 2 files (raw) */
    public SimpletraceText(ByteOut out, boolean pythonBytes) {
        this.out = out;
        this.pythonBytes = pythonBytes;
    }

    @Override
    public void record(TraceRecord r) throws IOException {
        byte[][] pre = prefixes.computeIfAbsent(r.event, SimpletraceText::prefixes);
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
                    if (pythonBytes) bytesRepr(r.bytes, s, r.stringLength[i]);
                    else out.write(r.bytes, s, r.stringLength[i]);
                } else {
                    out.hex(r.values[i]);
                }
            }
        }
        out.write((byte) '\n');
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
        boolean single = false;
        boolean dbl = false;
        for (int i = s; i < s + len; i++) {
            if (b[i] == '\'') single = true;
            else if (b[i] == '"') dbl = true;
        }
        byte quote = single && !dbl ? (byte) '"' : (byte) '\'';
        out.write((byte) 'b').write(quote);
        for (int i = s; i < s + len; i++) {
            int c = b[i] & 0xff;
            if (c == quote || c == '\\') out.write((byte) '\\').write((byte) c);
            else if (c == '\t') out.ascii("\\t");
            else if (c == '\n') out.ascii("\\n");
            else if (c == '\r') out.ascii("\\r");
            else if (c < 0x20 || c >= 0x7f) out.ascii("\\x").write(HEX[c >> 4]).write(HEX[c & 15]);
            else out.write((byte) c);
        }
        out.write(quote);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
}
