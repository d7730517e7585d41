package dev.kvmtune.latency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads cyclictest output (rt-tests 1.x and 2.x): the summary lines
 * {@code T: 0 ( 1717) P:95 I:200 C: 9836 Min: 2 Act: 11 Avg: 5 Max: 789} (the last one per
 * thread wins, as progress repeats them; -q prints only the last), the -h/-H histogram
 * ({@code # Histogram}, then one line per µs bucket with a column per thread, -H adding a total
 * column), its footer ({@code # Total:}, {@code # Min/Avg/Max Latencies:},
 * {@code # Histogram Overflows:}, {@code # Histogram Overflow at cycle number:} with one
 * {@code # Thread N:} line each, ending in {@code # 00021 others} when truncated), and the
 * {@code --json} file, whose keys {@code "cmdline:"} and {@code "rt_test_version:"} carry a colon.
 */
public final class CyclictestParser {
    public static final List<Double> PERCENTILES = List.of(50.0, 90.0, 99.0, 99.9, 99.99);
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern SUMMARY = Pattern.compile(
            "T:\\s*(\\d+)\\s*\\(\\s*(\\d+)\\)\\s*P:\\s*(\\d+)\\s*I:\\s*(\\d+)\\s*C:\\s*(\\d+)\\s*Min:\\s*(\\d+)\\s*Act:\\s*(\\d+)\\s*Avg:\\s*(\\d+)\\s*Max:\\s*(\\d+)");
    private static final java.util.Set<String> FOOTER_KEYS = java.util.Set.of("Total", "Min Latencies", "Avg Latencies",
            "Max Latencies", "Histogram Overflows");
    private static final Pattern VERSION = Pattern.compile("cyclictest V\\s*(\\S+)");

    private CyclictestParser() {
    }

    /** @param source the file name, for messages */
    public static CyclictestRun parse(String text, String source) {
        String t = text.stripLeading();
        if (t.startsWith("{")) return parseJson(t, source);
        return parseText(text, source);
    }

    record Summary(int thread, int tid, int priority, int interval, long cycles, long min, long act, long avg, long max) {
    }

    static CyclictestRun parseText(String text, String source) {
        Map<Integer, Summary> summaries = new TreeMap<>();
        List<long[]> rows = new ArrayList<>();
        Map<String, long[]> footer = new LinkedHashMap<>();
        Map<Integer, List<Long>> overflowCycles = new TreeMap<>();
        Map<Integer, Long> others = new TreeMap<>();
        String version = null;
        boolean inHistogram = false;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            // output pasted from a web page carries no-break spaces (seed 002 does)
            String line = ANSI.matcher(lines[i]).replaceAll("").replace('\u00A0', ' ').strip();
            int lineNo = i + 1;
            if (line.isEmpty()) continue;
            Matcher v = VERSION.matcher(line);
            if (v.find()) version = v.group(1);
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                Summary s = new Summary(i(m, 1), i(m, 2), i(m, 3), i(m, 4), l(m, 5), l(m, 6), l(m, 7), l(m, 8), l(m, 9));
                summaries.put(s.thread(), s);
                inHistogram = false;
                continue;
            }
            if (line.equals("# Histogram")) {
                inHistogram = true;
                rows.clear();
                continue;
            }
            if (line.startsWith("# Thread ") && line.contains(":")) {
                int colon = line.indexOf(':');
                int thread = (int) num(line.substring(9, colon).strip(), source, lineNo);
                List<Long> cycles = new ArrayList<>();
                String rest = line.substring(colon + 1);
                int hash = rest.indexOf('#');
                if (hash >= 0) {
                    String tail = rest.substring(hash + 1).strip();
                    others.put(thread, num(tail.split("\\s+")[0], source, lineNo));
                    rest = rest.substring(0, hash);
                }
                for (String c : rest.strip().split("\\s+")) {
                    if (!c.isEmpty()) cycles.add(num(c, source, lineNo));
                }
                overflowCycles.put(thread, cycles);
                continue;
            }
            if (line.startsWith("# ") && line.contains(":")) {
                int colon = line.indexOf(':');
                String key = line.substring(2, colon).strip();
                String values = line.substring(colon + 1).strip();
                if (!values.isEmpty() && FOOTER_KEYS.contains(key)) {
                    String[] parts = values.split("\\s+");
                    long[] nums = new long[parts.length];
                    for (int k = 0; k < parts.length; k++) nums[k] = num(parts[k], source, lineNo);
                    footer.put(key, nums);
                }
                inHistogram = false;
                continue;
            }
            if (inHistogram && Character.isDigit(line.charAt(0))) {
                String[] parts = line.split("\\s+");
                long[] nums = new long[parts.length];
                for (int k = 0; k < parts.length; k++) nums[k] = num(parts[k], source, lineNo);
                if (!rows.isEmpty() && nums.length != rows.get(0).length) {
                    throw new BadInputException(source + ":" + lineNo + ": histogram line has " + nums.length
                            + " columns, the first had " + rows.get(0).length);
                }
                rows.add(nums);
            }
        }
        if (summaries.isEmpty() && rows.isEmpty()) {
            throw new BadInputException(source + ": no cyclictest output found (expected 'T: 0 ( tid) P:... Max:' lines, a '# Histogram' or --json output)");
        }
        long[] totals = footer.get("Total");
        // with -H the footer lines carry one more value, the total over threads
        int threadCount = !summaries.isEmpty() ? summaries.size() : totals == null ? 0 : totals.length;
        int columns = rows.isEmpty() ? 0 : rows.get(0).length - 1;
        // -H adds a column with the sum over all threads
        int histThreads = columns > threadCount && threadCount > 0 ? threadCount : columns;
        int buckets = rows.size();
        List<CyclictestRun.ThreadResult> threads = new ArrayList<>();
        for (int th = 0; th < Math.max(threadCount, histThreads); th++) {
            Summary s = summaries.get(th);
            long[] hist = null;
            if (th < histThreads) {
                hist = new long[buckets];
                for (int b = 0; b < buckets; b++) {
                    long[] row = rows.get(b);
                    if (row[0] < buckets) hist[(int) row[0]] = row[th + 1];
                }
            }
            long over = at(footer.get("Histogram Overflows"), th, 0);
            long samples = hist != null ? sum(hist) + over : s != null ? s.cycles() : 0;
            long min = s != null ? s.min() : at(footer.get("Min Latencies"), th, 0);
            long max = s != null ? s.max() : at(footer.get("Max Latencies"), th, 0);
            // the histogram's mean is finer than the summary's whole µs, but only when nothing overflowed it
            double avg = hist != null && over == 0 ? mean(hist) : s != null ? s.avg() : at(footer.get("Avg Latencies"), th, 0);
            List<Long> cyc = overflowCycles.get(th);
            threads.add(new CyclictestRun.ThreadResult(th, s == null ? null : s.tid(), s == null ? null : s.priority(),
                    s == null ? null : s.interval(), null, samples, min, avg, max, over, cyc,
                    hist == null ? null : percentiles(hist, over), hist));
        }
        return new CyclictestRun(source, "text", version, null, buckets, List.copyOf(threads));
    }

    /** The largest histogram cyclictest --json is read with: one bucket per µs up to a second. */
    static final int MAX_BUCKETS = 1_000_000;

    /** A histogram key: the µs bucket it counts, from 0 below {@link #MAX_BUCKETS}. */
    private static int bucket(String source, String key) {
        int b;
        try {
            b = Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw new BadInputException(source + ": histogram key '" + dev.kvmtune.util.Printable.line(key) + "' is not a number of µs");
        }
        if (b < 0 || b >= MAX_BUCKETS) throw new BadInputException(source + ": histogram bucket " + b + " µs is outside 0.." + (MAX_BUCKETS - 1));
        return b;
    }

    static CyclictestRun parseJson(String text, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new BadInputException(source + ":" + line + ": not valid cyclictest JSON: " + e.getOriginalMessage());
        }
        JsonNode threadsNode = root.path("thread");
        if (!threadsNode.isObject()) throw new BadInputException(source + ": JSON without a \"thread\" object is not cyclictest --json output");
        // rt-tests writes these two keys with a trailing colon
        String cmdline = text(root, "cmdline:", "cmdline");
        String version = text(root, "rt_test_version:", "rt_test_version");
        Map<Integer, JsonNode> byId = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = threadsNode.fields(); it.hasNext(); ) {
            var e = it.next();
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue());
            } catch (NumberFormatException ex) {
                throw new BadInputException(source + ": thread key '" + e.getKey() + "' is not a number");
            }
        }
        int buckets = histogramSize(cmdline);
        for (JsonNode t : byId.values()) {
            for (Iterator<String> it = t.path("histogram").fieldNames(); it.hasNext(); ) {
                buckets = Math.max(buckets, bucket(source, it.next()) + 1);
            }
        }
        List<CyclictestRun.ThreadResult> threads = new ArrayList<>();
        for (var e : byId.entrySet()) {
            JsonNode t = e.getValue();
            long cycles = t.path("cycles").asLong();
            long[] hist = null;
            long over = 0;
            if (t.has("histogram")) {
                hist = new long[buckets];
                for (Iterator<Map.Entry<String, JsonNode>> it = t.path("histogram").fields(); it.hasNext(); ) {
                    var h = it.next();
                    hist[bucket(source, h.getKey())] = h.getValue().asLong();
                }
                // the JSON has no overflow count: whatever the histogram lacks of the cycles overflowed
                over = Math.max(0, cycles - sum(hist));
            }
            threads.add(new CyclictestRun.ThreadResult(e.getKey(), null, null, null, t.has("cpu") ? t.path("cpu").asInt() : null,
                    cycles, t.path("min").asLong(), t.path("avg").asDouble(), t.path("max").asLong(), over, null,
                    hist == null ? null : percentiles(hist, over), hist));
        }
        return new CyclictestRun(source, "json", version, cmdline, hist(threads) ? buckets : 0, List.copyOf(threads));
    }

    private static boolean hist(List<CyclictestRun.ThreadResult> threads) {
        return threads.stream().anyMatch(t -> t.histogram() != null);
    }

    /** The -h/-H/--histogram value of a command line, or 0. */
    static int histogramSize(String cmdline) {
        if (cmdline == null) return 0;
        Matcher m = Pattern.compile("(?:^|\\s)(?:-[hH]\\s*|--histogram[=\\s]|--histofall[=\\s])(\\d{1,7})(?!\\d)").matcher(cmdline);
        // a size cyclictest could not have used is no size
        return m.find() ? Math.min(Integer.parseInt(m.group(1)), MAX_BUCKETS) : 0;
    }

    /**
     * Percentiles by nearest rank over the histogram; a rank among the overflows gives the
     * histogram's size marked {@code atLeast}.
     */
    public static Map<String, CyclictestRun.Percentile> percentiles(long[] hist, long overflows) {
        long total = sum(hist) + overflows;
        Map<String, CyclictestRun.Percentile> out = new LinkedHashMap<>();
        if (total == 0) return out;
        for (double p : PERCENTILES) {
            long rank = (long) Math.ceil(p / 100.0 * total);
            long cum = 0;
            CyclictestRun.Percentile v = new CyclictestRun.Percentile(hist.length, true);
            for (int b = 0; b < hist.length; b++) {
                cum += hist[b];
                if (cum >= rank) {
                    v = new CyclictestRun.Percentile(b, false);
                    break;
                }
            }
            out.put(label(p), v);
        }
        return out;
    }

    /** p50, p99.9, ...: the key of a percentile. */
    public static String label(double p) {
        String s = p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
        return "p" + s;
    }

    private static String text(JsonNode n, String a, String b) {
        JsonNode v = n.has(a) ? n.get(a) : n.get(b);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static long at(long[] a, int i, long dflt) {
        return a != null && i < a.length ? a[i] : dflt;
    }

    static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }

    private static double mean(long[] hist) {
        long n = 0;
        double s = 0;
        for (int b = 0; b < hist.length; b++) {
            n += hist[b];
            s += (double) b * hist[b];
        }
        return n == 0 ? 0 : Math.round(s / n * 100) / 100.0;
    }

    private static long num(String s, String source, int line) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BadInputException(source + ":" + line + ": '" + s + "' is not a number");
        }
    }

    private static int i(Matcher m, int g) {
        return Integer.parseInt(m.group(g));
    }

    private static long l(Matcher m, int g) {
        return Long.parseLong(m.group(g));
    }
}
