package dev.kvmtune.qemutrace;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.ByteLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the text of QEMU's "log" trace backend, which distribution builds use: with
 * {@code -msg timestamp=on} each line is {@code tid@sec.usec:name args}, else {@code name args}.
 * With trace-events files, only their events count as trace lines (other messages share the log);
 * without, any {@code word} at the start of a line does. Other lines are counted and the first is
 * reported with its line number.
 */
public final class LogTraceReader {
    /** What the file held. */
    public record Summary(long records, long otherLines, boolean timestamps) {
    }

    private record Known(TraceEvent event, int key) {
    }

    private final Map<String, Known> known = new HashMap<>();
    private final boolean anyName;

    public LogTraceReader(List<TraceEvent> events) {
        for (TraceEvent e : events) known.putIfAbsent(e.name(), new Known(e, known.size()));
        this.anyName = events.isEmpty();
    }

    public Summary read(InputStream in, String name, TraceRecord.Sink sink, Consumer<String> warn) throws IOException {
        TraceRecord r = new TraceRecord();
        r.text = true;
        long[] counts = new long[3]; // records, other lines, line number
        boolean[] stamped = new boolean[1];
        String[] firstOther = new String[1];
        try {
            ByteLines.read(in, 1 << 20, (b, s, e) -> {
                counts[2]++;
                if (e > s && b[e - 1] == '\r') e--;
                if (parse(b, s, e, r)) {
                    counts[0]++;
                    if (r.hasTimestamp) stamped[0] = true;
                    try {
                        sink.record(r);
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                } else if (e > s) {
                    if (counts[1]++ == 0) firstOther[0] = name + ":" + counts[2] + ": '" + clip(new String(b, s, e - s, StandardCharsets.UTF_8)) + "'";
                }
            }, () -> {
                counts[2]++;
                counts[1]++;
                // before any trace line, a line over 1 MiB (a sparse or endless file) ends the read: nothing here is a trace
                if (counts[0] == 0) {
                    throw new BadInputException(name + ":" + counts[2] + ": a line longer than 1 MiB before any trace line; not a QEMU log-backend trace");
                }
            });
        } catch (UncheckedIOException x) {
            throw x.getCause();
        }
        if (counts[0] == 0) {
            throw new BadInputException(name + ": no trace lines (expected QEMU log-backend lines 'tid@sec.usec:event args' or 'event args'"
                    + (anyName ? "" : " naming an event of the trace-events files") + ")"
                    + (firstOther[0] == null ? "" : "; line " + firstOther[0].substring(name.length() + 1)));
        }
        if (firstOther[0] != null) warn.accept(firstOther[0].replaceFirst(": '", ": not a trace line, skipped (and any others like it): '"));
        return new Summary(counts[0], counts[1], stamped[0]);
    }

    private boolean parse(byte[] b, int s, int e, TraceRecord r) {
        int p = s;
        r.hasTimestamp = false;
        r.hasPid = false;
        // tid@sec.usec:
        int q = digits(b, p, e);
        if (q > p && q < e && b[q] == '@') {
            int secEnd = digits(b, q + 1, e);
            if (secEnd > q + 1 && secEnd < e && b[secEnd] == '.') {
                int usecEnd = digits(b, secEnd + 1, e);
                if (usecEnd > secEnd + 1 && usecEnd < e && b[usecEnd] == ':' && q - p <= 10 && secEnd - q - 1 <= 12 && usecEnd - secEnd - 1 <= 9) {
                    r.pid = number(b, p, q);
                    long sec = number(b, q + 1, secEnd);
                    long frac = number(b, secEnd + 1, usecEnd);
                    for (int i = usecEnd - secEnd - 1; i < 9; i++) frac *= 10;
                    r.timestampNs = sec * 1_000_000_000L + frac;
                    r.hasTimestamp = true;
                    r.hasPid = true;
                    p = usecEnd + 1;
                }
            }
        }
        int n = p;
        while (n < e && isWord(b[n])) n++;
        if (n == p || (n < e && b[n] != ' ')) return false;
        String ev = new String(b, p, n - p, StandardCharsets.US_ASCII);
        Known event = known.get(ev);
        if (event == null) {
            if (!anyName) return false;
            event = new Known(new TraceEvent(ev, Set.of(), List.of(), "", "(log)", 0), known.size());
            known.put(ev, event);
        }
        r.event = event.event();
        r.eventKey = event.key();
        r.bytes = b;
        r.textStart = n < e ? n + 1 : n;
        r.textEnd = e;
        return true;
    }

    private static boolean isWord(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    private static int digits(byte[] b, int p, int e) {
        while (p < e && b[p] >= '0' && b[p] <= '9') p++;
        return p;
    }

    private static long number(byte[] b, int s, int e) {
        long v = 0;
        for (int i = s; i < e; i++) v = v * 10 + (b[i] - '0');
        return v;
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
