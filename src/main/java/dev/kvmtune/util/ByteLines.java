package dev.kvmtune.util;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Lines of a stream as byte ranges in one reused buffer, for the streaming analyzers: no String
 * per line, newlines found eight bytes at a time. A line is handed over without its '\n'; a final
 * line without one is handed over too.
 */
public final class ByteLines {
    /** Receives each line as {@code b[s, e)}; the bytes are only valid during the call. */
    public interface Sink {
        void line(byte[] b, int s, int e);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
    private static final long LOW = 0x0101010101010101L;
    private static final long HIGH = 0x8080808080808080L;

    private ByteLines() {
    }

    /**
     * @param maxLine a longer line is not buffered: {@code overlong} runs instead (its bytes skipped)
     */
    public static void read(InputStream in, int maxLine, Sink sink, Runnable overlong) throws IOException {
        byte[] buf = new byte[Math.min(1 << 20, maxLine)];
        int len = 0;
        boolean skipping = false;
        while (true) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) break;
            len += n;
            int start = 0;
            for (int i = nextNewline(buf, start, len); i >= 0; i = nextNewline(buf, start, len)) {
                if (skipping) skipping = false;
                else sink.line(buf, start, i);
                start = i + 1;
            }
            if (start == 0 && len == buf.length) {
                if (buf.length >= maxLine) {
                    if (!skipping) overlong.run();
                    skipping = true;
                    len = 0;
                    continue;
                }
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, maxLine));
                continue;
            }
            System.arraycopy(buf, start, buf, 0, len - start);
            len -= start;
        }
        if (len > 0 && !skipping) sink.line(buf, 0, len);
    }

    /** The next '\n' in [from, to); -1 when there is none. */
    public static int nextNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            long found = (x - LOW) & ~x & HIGH;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        for (; i < to; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
    }
}
