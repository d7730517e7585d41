package dev.kvmtune.qemutrace;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Writes simple-backend trace files from the documented layout (trace/simple.c), for tests and the
 * benchmark: header, mapping records, event records with u64 and string arguments, dropped records.
 */
final class SimpleTraceWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final int version;

    SimpleTraceWriter(int version, boolean header) {
        this.version = version;
        if (header) {
            u64(SimpleTraceReader.HEADER_EVENT_ID);
            u64(SimpleTraceReader.MAGIC);
            u64(version);
        }
    }

    SimpleTraceWriter mapping(long id, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        u64(0);
        u64(id);
        u32(n.length);
        out.writeBytes(n);
        return this;
    }

    /** An event record; each argument a Long (u64) or byte[] (string). */
    SimpleTraceWriter event(long id, long timestampNs, int pid, Object... args) {
        int len = 24;
        for (Object a : args) len += a instanceof byte[] b ? 4 + b.length : 8;
        if (version == 4) u64(1);
        u64(id);
        u64(timestampNs);
        u32(len);
        u32(pid);
        for (Object a : args) {
            if (a instanceof byte[] b) {
                u32(b.length);
                out.writeBytes(b);
            } else {
                u64((Long) a);
            }
        }
        return this;
    }

    SimpleTraceWriter dropped(long timestampNs, int pid, long count) {
        return event(SimpleTraceReader.DROPPED_EVENT_ID, timestampNs, pid, count);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private void u64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private void u32(int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    /** Arguments of the right kinds for an event, random but reproducible from {@code rnd}. */
    static Object[] randomArgs(TraceEvent e, Random rnd) {
        List<TraceEvent.Arg> args = e.args();
        Object[] v = new Object[args.size()];
        for (int i = 0; i < v.length; i++) {
            if (args.get(i).isString()) {
                int n = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(24);
                byte[] s = new byte[n];
                for (int k = 0; k < n; k++) {
                    int kind = rnd.nextInt(10);
                    s[k] = (byte) (kind < 6 ? 'a' + rnd.nextInt(26) : kind == 6 ? "'\"\\ \t\n\r".charAt(rnd.nextInt(7)) : kind == 7 ? rnd.nextInt(256) : '0' + rnd.nextInt(10));
                }
                v[i] = s;
            } else {
                int kind = rnd.nextInt(4);
                v[i] = kind == 0 ? (long) rnd.nextInt(16) : kind == 1 ? rnd.nextLong() : kind == 2 ? 0x7f0000000000L + rnd.nextInt(1 << 30) : -1L;
            }
        }
        return v;
    }
}
