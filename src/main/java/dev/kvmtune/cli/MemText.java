package dev.kvmtune.cli;

import dev.kvmtune.memory.MemChart;
import dev.kvmtune.memory.MemTable;
import dev.kvmtune.util.Printable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code kvmtune mem}'s table as text: smem's layout, '-' where a value is not there. */
final class MemText {
    private static final int WIDEST_TEXT = 60;

    private MemText() {
    }

    /**
     * @param memTotalKb  sizes as a percentage of this (swap of {@code swapTotalKb}); negative for kB
     */
    static String table(MemTable t, List<String> cols, boolean totals, double memTotalKb, double swapTotalKb, boolean abbreviate) {
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, Object> r : t.rows()) cells.add(cells(t, cols, r, memTotalKb, swapTotalKb, abbreviate, false));
        List<String> total = totals ? cells(t, cols, t.totals(), memTotalKb, swapTotalKb, abbreviate, true) : null;
        int[] w = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            w[i] = t.column(cols.get(i)).header().length();
            for (List<String> row : cells) w[i] = Math.max(w[i], row.get(i).length());
            if (total != null) w[i] = Math.max(w[i], total.get(i).length());
        }
        StringBuilder sb = new StringBuilder();
        List<String> head = cols.stream().map(c -> t.column(c).header()).toList();
        line(sb, t, cols, head, w);
        for (List<String> row : cells) line(sb, t, cols, row, w);
        if (total != null) {
            int len = 0;
            for (int x : w) len += x + 1;
            sb.append("-".repeat(Math.max(1, len - 1))).append('\n');
            line(sb, t, cols, total, w);
        }
        for (Map<String, Object> r : t.rows()) {
            if (r.get("note") != null) sb.append("note: pid ").append(r.get("pid")).append(": ").append(Printable.line(String.valueOf(r.get("note")))).append('\n');
        }
        for (String n : t.notes()) sb.append("note: ").append(n).append('\n');
        if (!abbreviate && memTotalKb < 0) sb.append("sizes in kB; '-' where the source does not give it\n");
        return sb.toString();
    }

    private static void line(StringBuilder sb, MemTable t, List<String> cols, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            boolean left = t.column(cols.get(i)).kind() == MemTable.Kind.TEXT;
            String c = cells.get(i);
            if (i > 0) l.append(' ');
            l.append(left ? c + " ".repeat(w[i] - c.length()) : " ".repeat(w[i] - c.length()) + c);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    private static List<String> cells(MemTable t, List<String> cols, Map<String, Object> r, double memTotalKb, double swapTotalKb, boolean abbreviate, boolean isTotal) {
        List<String> out = new ArrayList<>();
        for (String c : cols) {
            MemTable.Col col = t.column(c);
            Object v = r.get(c);
            if (v == null) {
                out.add(isTotal ? "" : "-");
                continue;
            }
            if (col.kind() == MemTable.Kind.TEXT) {
                String s = Printable.line(String.valueOf(v));
                out.add(s.length() > WIDEST_TEXT ? s.substring(0, WIDEST_TEXT - 1) + "…" : s);
            } else if (col.kind() == MemTable.Kind.PERCENT) {
                out.add(String.format(Locale.ROOT, "%.1f", ((Number) v).doubleValue()));
            } else if (col.kind() == MemTable.Kind.KB) {
                double kb = ((Number) v).doubleValue();
                double of = c.equals("swap") ? swapTotalKb : memTotalKb;
                if (abbreviate) out.add(MemChart.kb(kb));
                else if (memTotalKb >= 0) out.add(of <= 0 ? "N/A" : String.format(Locale.ROOT, "%.2f%%", 100.0 * kb / of));
                else out.add(String.valueOf(((Number) v).longValue()));
            } else {
                out.add(String.valueOf(v));
            }
        }
        return out;
    }
}
