package dev.kvmtune.flame;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.ByteLines;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads stacks for a flame graph: folded lines ({@code frame;frame;frame count}, as
 * stackcollapse-perf.pl and {@code kvmtune flame collapse} write them), or perf script text, which
 * is collapsed first (with the collapse defaults). Which one is told by the first non-blank line:
 * a folded line ends in a count and does not start with blank space.
 */
public final class Folded {
    private Folded() {
    }

    /** How much of the input decides its kind: the first non-blank line has to be in it. */
    private static final int HEAD = 1 << 20;

    /** The longest stack line read: a longer one is a file of another kind. */
    static final int MAX_LINE = 16 << 20;

    /** Receives each stack as {@code b[s, e)} (frames separated by ';') with its count; the bytes are only valid during the call. */
    public interface Sink {
        void stack(byte[] b, int s, int e, long count);
    }

    /**
     * Streams the stacks to {@code sink} as they are read, repeated ones as often as they occur; a
     * perf script input is collapsed first. At least one stack, or {@link BadInputException}.
     */
    public static void read(InputStream raw, String name, Consumer<String> warn, Sink sink) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(HEAD);
        byte[] head = in.readNBytes(HEAD);
        in.reset();
        if (head.length == 0) throw new BadInputException(name + ": the file is empty");
        if (!looksFolded(head)) {
            PerfCollapse c = new PerfCollapse(PerfCollapse.Options.defaults(), m -> warn.accept(name + ": " + m));
            c.read(in, name);
            Map<String, Long> s = c.stacks();
            if (s.isEmpty()) throw new BadInputException(name + ": neither folded stacks ('frame;frame count') nor perf script samples with call chains");
            s.forEach((stack, count) -> {
                byte[] b = stack.getBytes(StandardCharsets.ISO_8859_1);
                sink.stack(b, 0, b.length, count);
            });
            return;
        }
        long[] line = {0};
        long[] bad = {0};
        long[] good = {0};
        ByteLines.read(in, MAX_LINE, (b, s, e) -> {
            line[0]++;
            if (e > s && b[e - 1] == '\r') e--;
            if (e == s) return;
            int sp = e - 1;
            while (sp >= s && b[sp] != ' ') sp--;
            long count = sp < s || sp == s ? -1 : count(b, sp + 1, e);
            if (count < 0) {
                if (bad[0]++ == 0) warn.accept(name + ":" + line[0] + ": not 'stack count', skipped (and any others like it)");
                return;
            }
            good[0]++;
            sink.stack(b, s, sp, count);
        }, () -> {
            // a sparse or endless file (/dev/zero) has no newline at all: refused, not read forever
            throw new BadInputException(name + ":" + (line[0] + 1) + ": a line longer than " + (MAX_LINE >> 20) + " MiB; not folded stacks");
        });
        if (good[0] == 0) throw new BadInputException(name + ": no stacks ('frame;frame count' lines)");
    }

    /**
     * Folded text, if the first non-blank line is one. A first line that does not end within
     * {@code b} (a stack of more than a megabyte of frames) is taken as folded when it does not start
     * with blank space or '#': no line of perf script is that long but a call chain's, which does.
     */
    static boolean looksFolded(byte[] b) {
        int s = 0;
        while (true) {
            int e = s;
            while (e < b.length && b[e] != '\n') e++;
            if (e == b.length && b.length >= HEAD && e > s) return b[s] != ' ' && b[s] != '\t' && b[s] != '#';
            int ee = e > s && b[e - 1] == '\r' ? e - 1 : e;
            boolean blank = true;
            for (int i = s; i < ee; i++) if (b[i] != ' ' && b[i] != '\t') blank = false;
            if (!blank) {
                if (b[s] == ' ' || b[s] == '\t' || b[s] == '#') return false;
                int sp = ee - 1;
                while (sp > s && b[sp] != ' ') sp--;
                return sp > s && count(b, sp + 1, ee) >= 0;
            }
            if (e >= b.length) return false;
            s = e + 1;
        }
    }

    /** A decimal count; a fraction (some tools write them) is rounded; -1 when not a number. */
    private static long count(byte[] b, int s, int e) {
        if (s >= e) return -1;
        long v = 0;
        int i = s;
        for (; i < e && b[i] >= '0' && b[i] <= '9'; i++) {
            if (v > (Long.MAX_VALUE - 9) / 10) return -1;
            v = v * 10 + (b[i] - '0');
        }
        if (i == s) return -1;
        if (i == e) return v;
        if (b[i] != '.') return -1;
        int f = i + 1;
        if (f == e) return -1;
        for (int k = f; k < e; k++) if (b[k] < '0' || b[k] > '9') return -1;
        return b[f] >= '5' ? v + 1 : v;
    }
}
