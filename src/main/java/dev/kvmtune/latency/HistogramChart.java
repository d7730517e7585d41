package dev.kvmtune.latency;

import java.util.List;
import java.util.Locale;

/**
 * An SVG chart of latency histograms: latency (µs) across, count on a log scale up, one line per
 * run (all its threads added), as seed 002 compares runs before and after tuning.
 */
public final class HistogramChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
    private static final int W = 800;
    private static final int H = 420;
    private static final int L = 70;
    private static final int R = 20;
    private static final int T = 40;
    private static final int B = 50;

    private HistogramChart() {
    }

    public record Series(String label, long[] counts, long overflows) {
    }

    public static String svg(String title, List<Series> series) {
        int buckets = series.stream().mapToInt(s -> s.counts().length).max().orElse(1);
        long top = 1;
        for (Series s : series) {
            for (long c : s.counts()) top = Math.max(top, c);
        }
        double decades = Math.max(1, Math.ceil(Math.log10(top)));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", L, esc(title)));
        int pw = W - L - R;
        int ph = H - T - B;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", L, T, pw, ph));
        for (int d = 0; d <= decades; d++) {
            double y = T + ph - ph * d / decades;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>%n", L, L + pw, y, y, L - 6, y + 4, d));
        }
        int step = Math.max(1, (int) Math.pow(10, Math.floor(Math.log10(Math.max(1, buckets / 5)))));
        for (int x = 0; x < buckets; x += step) {
            double px = L + (double) pw * x / Math.max(1, buckets - 1);
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", px, T + ph + 16, x));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">latency (µs)</text>%n", L + pw / 2, H - 12));
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">samples (log)</text>%n",
                T + ph / 2, T + ph / 2));
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int b = 0; b < s.counts().length; b++) {
                double v = s.counts()[b] <= 0 ? 0 : Math.log10(s.counts()[b]) + (s.counts()[b] == 1 ? 0.05 : 0);
                double px = L + (double) pw * b / Math.max(1, buckets - 1);
                double py = T + ph - ph * Math.min(v, decades) / decades;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", color, pts.toString().strip()));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s%s</text>%n", L + pw - 260, T + 18 + 16 * i, color, esc(s.label()),
                    s.overflows() > 0 ? " (" + s.overflows() + " over " + s.counts().length + " µs)" : ""));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String esc(String s) {
        return dev.kvmtune.util.Xml.escape(s);
    }
}
