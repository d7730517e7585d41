package dev.kvmtune.cli;

import dev.kvmtune.latency.CyclictestParser;
import dev.kvmtune.latency.CyclictestRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Text tables for latency report and diff. */
final class LatencyText {
    private LatencyText() {
    }

    static String report(List<CyclictestRun> runs, Long maxUs) {
        StringBuilder sb = new StringBuilder();
        boolean atLeast = false;
        for (CyclictestRun r : runs) {
            sb.append(r.source()).append(" (").append(r.format().equals("json") ? "cyclictest --json" : "cyclictest output")
                    .append(r.version() == null ? "" : ", rt-tests " + r.version())
                    .append(r.histogramBuckets() > 0 ? ", histogram to " + r.histogramBuckets() + " µs" : ", no histogram").append(")\n");
            sb.append(String.format(Locale.ROOT, "  %-6s %-4s %10s %5s %8s %6s", "thread", "cpu", "samples", "min", "avg", "max"));
            for (double p : CyclictestParser.PERCENTILES) sb.append(String.format(Locale.ROOT, " %7s", CyclictestParser.label(p)));
            sb.append(String.format(Locale.ROOT, " %9s%n", "overflows"));
            for (CyclictestRun.ThreadResult t : r.threads()) {
                sb.append(String.format(Locale.ROOT, "  %-6d %-4s %10d %5d %8.2f %6d", t.thread(), t.cpu() == null ? "-" : t.cpu().toString(),
                        t.samples(), t.min(), t.avg(), t.max()));
                for (double p : CyclictestParser.PERCENTILES) {
                    var v = t.percentiles() == null ? null : t.percentiles().get(CyclictestParser.label(p));
                    if (v != null && v.atLeast()) atLeast = true;
                    sb.append(String.format(Locale.ROOT, " %7s", v == null ? "-" : v.toString()));
                }
                sb.append(String.format(Locale.ROOT, " %9d%n", t.overflows()));
            }
            if (maxUs != null) sb.append("  verdict: ").append(verdict(r, maxUs)).append('\n');
            sb.append('\n');
        }
        if (atLeast) sb.append("'>=N': the percentile falls among the histogram overflows, at or above the last bucket (N µs).\n");
        return sb.toString();
    }

    static boolean passes(CyclictestRun r, long maxUs) {
        return r.max() <= maxUs;
    }

    static String verdict(CyclictestRun r, long maxUs) {
        List<String> over = new ArrayList<>();
        for (CyclictestRun.ThreadResult t : r.threads()) {
            if (t.max() > maxUs) over.add("thread " + t.thread() + " max " + t.max() + " µs");
        }
        return over.isEmpty() ? "PASS: every thread's max <= " + maxUs + " µs" : "FAIL: " + String.join(", ", over) + " > " + maxUs + " µs";
    }

    static String diff(CyclictestRun before, CyclictestRun after) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %14s %14s %9s%n", "", "before", "after", "after/before"));
        row(sb, "samples", total(before), total(after));
        row(sb, "min µs", before.threads().stream().mapToLong(CyclictestRun.ThreadResult::min).min().orElse(0),
                after.threads().stream().mapToLong(CyclictestRun.ThreadResult::min).min().orElse(0));
        rowD(sb, "avg µs", avg(before), avg(after));
        row(sb, "max µs", before.max(), after.max());
        for (double p : CyclictestParser.PERCENTILES) {
            var b = worst(before, CyclictestParser.label(p));
            var a = worst(after, CyclictestParser.label(p));
            if (b == null || a == null) continue;
            sb.append(String.format(Locale.ROOT, "%-10s %14s %14s %9s%n", CyclictestParser.label(p) + " µs", b, a, ratio(b, a)));
        }
        sb.append(String.format(Locale.ROOT, "%-10s %14d %14d%n", "overflows", overflows(before), overflows(after)));
        sb.append("before: ").append(before.source()).append("\nafter:  ").append(after.source()).append('\n');
        sb.append("Percentiles and max are the worst thread's; avg is weighted by samples.\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, long b, long a) {
        sb.append(String.format(Locale.ROOT, "%-10s %14d %14d %9s%n", name, b, a, ratio(b, a)));
    }

    private static void rowD(StringBuilder sb, String name, double b, double a) {
        sb.append(String.format(Locale.ROOT, "%-10s %14.2f %14.2f %9s%n", name, b, a, b == 0 ? "-" : String.format(Locale.ROOT, "%.3f", a / b)));
    }

    /**
     * A percentile past the histogram is only a lower bound ('>=60'), so the ratio is a bound too:
     * '<=' when only BEFORE is one, '>=' when only AFTER is, unknown when both are.
     */
    private static String ratio(CyclictestRun.Percentile b, CyclictestRun.Percentile a) {
        if (b.atLeast() && a.atLeast()) return "?";
        String r = ratio(b.us(), a.us());
        if (r.equals("-")) return r;
        return (b.atLeast() ? "<=" : a.atLeast() ? ">=" : "") + r;
    }

    private static String ratio(long b, long a) {
        return b == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) a / b);
    }

    static long total(CyclictestRun r) {
        return r.threads().stream().mapToLong(CyclictestRun.ThreadResult::samples).sum();
    }

    static long overflows(CyclictestRun r) {
        return r.threads().stream().mapToLong(CyclictestRun.ThreadResult::overflows).sum();
    }

    static double avg(CyclictestRun r) {
        long n = total(r);
        double s = 0;
        for (CyclictestRun.ThreadResult t : r.threads()) s += t.avg() * t.samples();
        return n == 0 ? 0 : Math.round(s / n * 100) / 100.0;
    }

    static CyclictestRun.Percentile worst(CyclictestRun r, String label) {
        CyclictestRun.Percentile w = null;
        for (CyclictestRun.ThreadResult t : r.threads()) {
            var p = t.percentiles() == null ? null : t.percentiles().get(label);
            if (p != null && (w == null || p.us() > w.us() || p.us() == w.us() && p.atLeast())) w = p;
        }
        return w;
    }
}
