package dev.kvmtune.flame;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code flame collapse -j N}: a perf script file cut into N parts at blank lines (where a sample
 * ends and the script keeps no state), each part collapsed by its own thread, the counts added.
 * The output and the warnings are those of one pass: every part after the first starts with the
 * event filter the file's first event sets, and the warnings are reported once, at their line in
 * the whole file.
 */
public final class ParallelCollapse {
    /** The merged result. */
    public record Result(SortedMap<String, Long> stacks, long unrecognized) {
    }

    private ParallelCollapse() {
    }

    public static Result run(Path file, PerfCollapse.Options options, int threads, Consumer<String> warn) throws IOException, InterruptedException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            List<long[]> parts = split(ch, size, threads);
            String first = options.eventFilter() == null ? firstEvent(ch, size) : null;
            ExecutorService pool = Executors.newFixedThreadPool(parts.size(), r -> {
                Thread t = new Thread(r, "kvmtune-collapse");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<PerfCollapse>> futures = new ArrayList<>();
                for (int i = 0; i < parts.size(); i++) {
                    long[] part = parts.get(i);
                    boolean later = i > 0;
                    futures.add(pool.submit(() -> {
                        PerfCollapse c = new PerfCollapse(options, m -> { });
                        if (later && first != null) c.presetFirstEvent(first);
                        c.read(new RangeStream(ch, part[0], part[1]), file + " (the part from byte " + part[0] + ")");
                        return c;
                    }));
                }
                TreeMap<String, Long> merged = new TreeMap<>();
                long unrecognized = 0;
                long linesBefore = 0;
                long filterAt = -1;
                String filterEvent = null;
                long unrecAt = -1;
                String unrecText = null;
                for (Future<PerfCollapse> f : futures) {
                    PerfCollapse c = get(f);
                    c.stacks().forEach((k, v) -> merged.merge(k, v, Long::sum));
                    unrecognized += c.unrecognized();
                    if (filterAt < 0 && c.filterWarningLine >= 0) {
                        filterAt = linesBefore + c.filterWarningLine;
                        filterEvent = c.filterWarningEvent;
                    }
                    if (unrecAt < 0 && c.firstUnrecognizedLine >= 0) {
                        unrecAt = linesBefore + c.firstUnrecognizedLine;
                        unrecText = c.firstUnrecognizedText;
                    }
                    linesBefore += c.lines();
                }
                String filterMsg = filterAt < 0 ? null : "Filtering for events of type: " + filterEvent;
                String unrecMsg = unrecAt < 0 ? null : "Unrecognized line " + unrecAt + ": " + unrecText;
                if (filterMsg != null && (unrecMsg == null || filterAt < unrecAt)) {
                    warn.accept(filterMsg);
                    filterMsg = null;
                }
                if (unrecMsg != null) warn.accept(unrecMsg);
                if (filterMsg != null) warn.accept(filterMsg);
                return new Result(merged, unrecognized);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static PerfCollapse get(Future<PerfCollapse> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Part boundaries: each just after a blank line ("\n\n") at or past an even share of the file. */
    static List<long[]> split(FileChannel ch, long size, int threads) throws IOException {
        List<long[]> parts = new ArrayList<>();
        long start = 0;
        for (int i = 1; i < threads && start < size; i++) {
            long target = Math.max(start, size * i / threads);
            long b = blankLineEnd(ch, target, size);
            if (b < 0) break;
            if (b > start) {
                parts.add(new long[] {start, b});
                start = b;
            }
        }
        if (start < size || parts.isEmpty()) parts.add(new long[] {start, size});
        return parts;
    }

    /** The position after the first "\n\n" at or after {@code from} (its second newline included), or -1. */
    private static long blankLineEnd(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long pos = Math.max(0, from - 1);
        boolean prevNewline = false;
        while (pos < size) {
            buf.clear();
            int n = ch.read(buf, pos);
            if (n <= 0) break;
            for (int i = 0; i < n; i++) {
                boolean nl = buf.get(i) == '\n';
                if (nl && prevNewline && pos + i >= from) return pos + i + 1;
                prevNewline = nl;
            }
            pos += n;
        }
        return -1;
    }

    /** The first event a sample header names, reading from the start of the file (usually its first line). */
    private static String firstEvent(FileChannel ch, long size) throws IOException {
        InputStream in = new RangeStream(ch, 0, size);
        String[] found = new String[1];
        try {
            dev.kvmtune.util.ByteLines.read(in, PerfCollapse.MAX_LINE, (b, s, e) -> {
                if (e > s && b[s] != ' ' && b[s] != '\t' && b[s] != '#') {
                    String ev = PerfCollapse.firstEvent(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
                    if (ev != null) {
                        found[0] = ev;
                        throw new Found();
                    }
                }
            }, () -> { });
        } catch (Found f) {
            return found[0];
        }
        return null;
    }

    private static final class Found extends RuntimeException {
        Found() {
            super(null, null, false, false);
        }
    }

    /** [start, end) of a file channel as a stream, by positional reads (the channel is shared). */
    private static final class RangeStream extends InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        RangeStream(FileChannel ch, long start, long end) {
            this.ch = ch;
            this.pos = start;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) return -1;
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (n > 0) pos += n;
            return n;
        }
    }
}
