package dev.kvmtune.exits;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The diff chart: one group of horizontal bars per exit reason, one bar per run, on a log scale
 * (seed 001's scenarios differ by orders of magnitude), labelled with the value. Rates when every
 * run has a duration, counts otherwise.
 */
public final class ExitChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
    private static final int W = 860;
    private static final int LEFT = 190;
    private static final int RIGHT = 90;
    private static final int BAR = 12;
    private static final int GAP = 10;

    private ExitChart() {
    }

    public static String svg(String title, List<String> labels, Map<String, double[]> values, String unit) {
        int runs = labels.size();
        int groupH = runs * BAR + GAP;
        int top = 50 + 18 * runs;
        int h = top + Math.max(1, values.size()) * groupH + 40;
        double max = 1;
        for (double[] v : values.values()) {
            for (double x : v) max = Math.max(max, x);
        }
        double decades = Math.max(1, Math.ceil(Math.log10(max)));
        int pw = W - LEFT - RIGHT;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", W, h, W, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", 10, esc(title)));
        for (int i = 0; i < runs; i++) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    LEFT, 34 + 18 * i, COLORS[i % COLORS.length], LEFT + 16, 43 + 18 * i, esc(labels.get(i))));
        }
        for (int d = 0; d <= decades; d++) {
            double x = LEFT + pw * d / decades;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n", x, x, top - 4, h - 34, x, h - 20, tick(d)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s (log scale)</text>%n", LEFT + pw / 2, h - 4, esc(unit)));
        int y = top;
        for (var e : values.entrySet()) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 8, y + runs * BAR / 2 + 4, esc(e.getKey())));
            double[] v = e.getValue();
            for (int i = 0; i < runs; i++) {
                double x = v[i];
                double len = x <= 0 ? 0 : Math.max(1.5, pw * Math.log10(Math.max(1, x)) / decades);
                if (x > 0 && x < 1) len = 1.5;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>"
                                + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#333\">%s</text>%n",
                        LEFT, y + i * BAR, len, BAR - 2, COLORS[i % COLORS.length], esc(labels.get(i)), fmt(x), LEFT + len + 4, y + i * BAR + 9,
                        x <= 0 ? "0" : fmt(x)));
            }
            y += groupH;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Rows for the chart: each reason → one value per run, reasons ordered by their largest value. */
    public static Map<String, double[]> rows(List<Map<String, Double>> runs) {
        Map<String, Double> peak = new LinkedHashMap<>();
        for (Map<String, Double> r : runs) r.forEach((k, v) -> peak.merge(k, v, Math::max));
        List<String> order = new ArrayList<>(peak.keySet());
        order.sort((a, b) -> {
            int c = Double.compare(peak.get(b), peak.get(a));
            return c != 0 ? c : a.compareTo(b);
        });
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String k : order) {
            double[] v = new double[runs.size()];
            for (int i = 0; i < runs.size(); i++) v[i] = runs.get(i).getOrDefault(k, 0.0);
            out.put(k, v);
        }
        return out;
    }

    private static String tick(int decade) {
        return decade < 4 ? String.valueOf((long) Math.pow(10, decade)) : "1e" + decade;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return dev.kvmtune.util.Xml.escape(s);
    }
}
