package dev.kvmtune.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * smem's pie and bar charts as self-contained SVG (smem draws them with matplotlib; kvmtune needs
 * nothing). The pie takes one slice per row of the sort column, labelled by the chosen column; slices
 * too small to see are grouped into "other" as smem groups them (from the smallest up, while the
 * group stays under 2% of memory or the next slice is under 0.5%), and memory no row holds is the
 * "unused" slice. The bar chart has one group per row and one bar per size column.
 */
public final class MemChart {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf"};

    /** A slice: its label and kB. */
    public record Slice(String label, double value) {
    }

    private MemChart() {
    }

    /**
     * The slices smem's pie would draw: rows by size, the small ones grouped, unused memory first.
     *
     * @param totalKb the memory the pie stands for (MemTotal); null draws no unused slice
     */
    public static List<Slice> pieSlices(List<Slice> rows, Double totalKb) {
        List<Slice> l = new ArrayList<>(rows);
        l.removeIf(s -> s.value() <= 0);
        l.sort((a, b) -> Double.compare(b.value(), a.value()));
        double sum = l.stream().mapToDouble(Slice::value).sum();
        double tm = totalKb == null ? sum : totalKb;
        double other = 0;
        while (!l.isEmpty() && (other + l.get(l.size() - 1).value() < tm * .02 || l.get(l.size() - 1).value() < tm * .005)) {
            other += l.remove(l.size() - 1).value();
        }
        List<Slice> out = new ArrayList<>();
        if (totalKb != null && totalKb - sum > 0) out.add(new Slice("unused", totalKb - sum));
        out.addAll(l);
        if (other > 0) out.add(new Slice("other", other));
        return out;
    }

    public static String pie(String title, List<Slice> slices) {
        int w = 760;
        int h = Math.max(480, 80 + 20 * slices.size());
        double cx = 250;
        double cy = h / 2.0 + 10;
        double r = 190;
        double total = slices.stream().mapToDouble(Slice::value).sum();
        StringBuilder sb = header(w, h, title);
        double a = -Math.PI / 2;
        for (int i = 0; i < slices.size(); i++) {
            Slice s = slices.get(i);
            double frac = total <= 0 ? 0 : s.value() / total;
            String color = s.label().equals("unused") ? "#eeeeee" : COLORS[i % COLORS.length];
            String tip = esc(s.label()) + String.format(Locale.ROOT, ": %s (%.2f%%)", kb(s.value()), 100 * frac);
            if (frac >= 0.9999) {
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"white\"><title>%s</title></circle>%n",
                        cx, cy, r, color, tip));
            } else if (frac > 0) {
                double b = a + 2 * Math.PI * frac;
                sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f,%.1f L%.1f,%.1f A%.1f,%.1f 0 %d 1 %.1f,%.1f Z\" fill=\"%s\" stroke=\"white\"><title>%s</title></path>%n",
                        cx, cy, cx + r * Math.cos(a), cy + r * Math.sin(a), r, r, frac > 0.5 ? 1 : 0, cx + r * Math.cos(b), cy + r * Math.sin(b), color, tip));
                a = b;
            }
            int ly = 60 + 20 * i;
            sb.append(String.format(Locale.ROOT, "<rect x=\"470\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"488\" y=\"%d\">%s</text>%n",
                    ly, color, ly + 11, tip));
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * @param groups one label per row
     * @param series column name to one value per row
     */
    public static String bar(String title, List<String> groups, Map<String, double[]> series) {
        int n = Math.max(1, groups.size());
        int k = Math.max(1, series.size());
        int groupW = Math.max(24, 8 * k + 10);
        int left = 80;
        int w = Math.max(600, left + n * groupW + 40);
        int plotH = 320;
        int top = 60;
        int h = top + plotH + 160;
        double max = 1;
        for (double[] v : series.values()) for (double x : v) max = Math.max(max, x);
        StringBuilder sb = header(w, h, title);
        int li = 0;
        for (String name : series.keySet()) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"32\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"41\">%s</text>%n",
                    left + 90 * li, COLORS[li % COLORS.length], left + 90 * li + 14, esc(name)));
            li++;
        }
        for (int t = 0; t <= 4; t++) {
            double y = top + plotH - plotH * t / 4.0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
                    left, w - 20, y, y, left - 6, y + 4, kb(max * t / 4)));
        }
        for (int g = 0; g < groups.size(); g++) {
            int x0 = left + g * groupW + 5;
            int s = 0;
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                double v = e.getValue()[g];
                double bh = plotH * Math.max(0, v) / max;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"8\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s</title></rect>%n",
                        x0 + 8 * s, top + plotH - bh, bh, COLORS[s % COLORS.length], esc(groups.get(g)), esc(e.getKey()), kb(v)));
                s++;
            }
            double lx = x0 + 4.0 * k;
            String label = groups.get(g).length() > 24 ? groups.get(g).substring(0, 23) + "…" : groups.get(g);
            sb.append(String.format(Locale.ROOT, "<text transform=\"translate(%.1f,%d) rotate(45)\" font-size=\"11\">%s</text>%n",
                    lx, top + plotH + 12, esc(label)));
        }
        return sb.append("</svg>\n").toString();
    }

    private static StringBuilder header(int w, int h, String title) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"15\">%s</text>%n", esc(title)));
        return sb;
    }

    /** kB as smem abbreviates sizes: 1.5M, 20.0G. */
    public static String kb(double kb) {
        double x = kb * 1024;
        if (x == 0) return "0";
        String unit = "";
        for (String s : new String[] {"", "K", "M", "G", "T"}) {
            unit = s;
            if (Math.abs(x) < 1024) break;
            x /= 1024.0;
        }
        return String.format(Locale.ROOT, "%.1f%s", x, unit);
    }

    static String esc(String s) {
        return dev.kvmtune.util.Xml.escape(s);
    }
}
