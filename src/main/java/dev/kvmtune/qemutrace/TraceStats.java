package dev.kvmtune.qemutrace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts per event and the latency between paired events: a start event and its end event on the
 * same pid, matched innermost first (nested calls pair correctly). Pairs are the {@code *_enter} /
 * {@code *_exit}, {@code *_begin} / {@code *_end} and {@code *_start} / {@code *_end} names (also in the middle of a name:
 * {@code qmp_enter_query_status} / {@code qmp_exit_query_status}), plus any given explicitly.
 */
public final class TraceStats implements TraceRecord.Sink {
    /** An explicit pair of event names. */
    public record Pair(String start, String end) {
        public static Pair parse(String s) {
            int c = s.indexOf(',');
            if (c <= 0 || c == s.length() - 1 || s.indexOf(',', c + 1) >= 0) {
                throw new IllegalArgumentException("'" + s + "': expected START,END (two event names)");
            }
            return new Pair(s.substring(0, c).strip(), s.substring(c + 1).strip());
        }
    }

    /** One event's count. */
    public record EventCount(String name, long count) {
    }

    /** Latency of one pair, nanoseconds. */
    public record PairLatency(String start, String end, long count, long unmatchedStarts, long unmatchedEnds,
            long minNs, long p50Ns, long p90Ns, long p99Ns, long maxNs, double meanNs) {
    }

    /** The summary. */
    public record Result(long records, long droppedEvents, Long durationNs, List<EventCount> events, List<PairLatency> pairs) {
    }

    private static final String[][] SUFFIXES = {{"enter", "exit"}, {"begin", "end"}, {"start", "end"}};

    private final Map<String, Pair> explicitByStart = new HashMap<>();
    private final Map<String, Pair> explicitByEnd = new HashMap<>();
    private final Map<TraceEvent, long[]> counts = new IdentityHashMap<>();
    private final Map<TraceEvent, Role> roles = new IdentityHashMap<>();
    private final Map<String, PairState> pairs = new LinkedHashMap<>();
    private long records;
    private long dropped;
    private long first;
    private long last;
    private boolean timed;

    private record Role(PairState pair, boolean start) {
    }

    private static final class PairState {
        final String start;
        final String end;
        final Map<Long, ArrayDeque<Long>> open = new HashMap<>();
        long[] latencies = new long[16];
        int n;
        long unmatchedEnds;

        PairState(String start, String end) {
            this.start = start;
            this.end = end;
        }

        void add(long v) {
            if (n == latencies.length) latencies = Arrays.copyOf(latencies, n * 2);
            latencies[n++] = v;
        }
    }

    public TraceStats(List<Pair> explicit) {
        for (Pair p : explicit) {
            explicitByStart.put(p.start(), p);
            explicitByEnd.put(p.end(), p);
        }
    }

    @Override
    public void record(TraceRecord r) {
        TraceEvent e = r.event;
        counts.computeIfAbsent(e, k -> new long[1])[0]++;
        records++;
        if (e == TraceEvent.DROPPED) dropped += r.values[0];
        if (!r.hasTimestamp) return;
        long ts = r.timestampNs;
        if (!timed) {
            first = ts;
            timed = true;
        }
        last = ts;
        Role role = roles.get(e);
        if (role == null) {
            role = role(e);
            if (role != null) roles.put(e, role);
        }
        if (role == null || role.pair == null) return;
        PairState p = role.pair;
        if (role.start) {
            p.open.computeIfAbsent(r.pid, k -> new ArrayDeque<>()).push(ts);
        } else {
            ArrayDeque<Long> q = p.open.get(r.pid);
            if (q == null || q.isEmpty()) p.unmatchedEnds++;
            else p.add(ts - q.pop());
        }
    }

    /**
     * The event's part in a pair; null (not cached) for an end event whose start has not been seen
     * yet, since "x_end" may close "x_begin" or "x_start".
     */
    private Role role(TraceEvent e) {
        String name = e.name();
        Pair x = explicitByStart.get(name);
        if (x != null) return new Role(pair(x.start(), x.end()), true);
        x = explicitByEnd.get(name);
        if (x != null) return new Role(pair(x.start(), x.end()), false);
        boolean maybeEnd = false;
        for (String[] s : SUFFIXES) {
            String other = swap(name, s[0], s[1]);
            if (other != null) return new Role(pair(name, other), true);
        }
        for (String[] s : SUFFIXES) {
            String other = swap(name, s[1], s[0]);
            if (other == null) continue;
            maybeEnd = true;
            PairState p = pairs.get(other + "\0" + name);
            if (p != null) return new Role(p, false);
        }
        return maybeEnd ? null : new Role(null, false);
    }

    /** name with its first {@code _from} word (at the end or followed by '_') replaced, or null. */
    private static String swap(String name, String from, String to) {
        String w = "_" + from;
        for (int i = name.indexOf(w); i >= 0; i = name.indexOf(w, i + 1)) {
            int end = i + w.length();
            if (end == name.length() || name.charAt(end) == '_') return name.substring(0, i + 1) + to + name.substring(end);
        }
        return null;
    }

    private PairState pair(String start, String end) {
        return pairs.computeIfAbsent(start + "\0" + end, k -> new PairState(start, end));
    }

    public Result result() {
        List<EventCount> ev = new ArrayList<>();
        counts.forEach((e, c) -> ev.add(new EventCount(e.name(), c[0])));
        ev.sort(Comparator.comparingLong(EventCount::count).reversed().thenComparing(EventCount::name));
        List<PairLatency> pl = new ArrayList<>();
        for (PairState p : pairs.values()) {
            long open = p.open.values().stream().mapToLong(ArrayDeque::size).sum();
            if (p.n == 0 && p.unmatchedEnds == 0) continue; // the end event never came: not a pair in this trace
            long[] v = Arrays.copyOf(p.latencies, p.n);
            Arrays.sort(v);
            double mean = p.n == 0 ? 0 : Arrays.stream(v).mapToDouble(x -> x).sum() / p.n;
            pl.add(new PairLatency(p.start, p.end, p.n, open, p.unmatchedEnds,
                    p.n == 0 ? 0 : v[0], pct(v, 50), pct(v, 90), pct(v, 99), p.n == 0 ? 0 : v[p.n - 1], mean));
        }
        pl.sort(Comparator.comparingLong(PairLatency::count).reversed().thenComparing(PairLatency::start));
        return new Result(records, dropped, timed ? last - first : null, ev, pl);
    }

    /** Nearest-rank percentile. */
    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
