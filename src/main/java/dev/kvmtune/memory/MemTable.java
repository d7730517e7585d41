package dev.kvmtune.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One view as a table: its columns (what each is and whether it adds up), the columns shown when
 * none are asked for, the sort column, and its rows. A row maps column ids to a String, a Long or
 * nothing: a value the source does not give is absent from the row, never zero.
 *
 * @param notes what the reader of the table must know (a process read from status only, a kernel
 *              without PSS)
 */
public record MemTable(String view, List<Col> columns, List<String> defaults, String defaultSort,
                       List<Map<String, Object>> rows, List<String> notes) {

    /** What a column holds. */
    public enum Kind { TEXT, COUNT, KB, PERCENT }

    /** What a totals line shows for a column, as smem's: nothing, the sum, the distinct values, the rows. */
    public enum Total { NONE, SUM, DISTINCT, ROWS }

    public record Col(String id, String header, Kind kind, Total total, String help) {
        /** The JSON field: camelCase, with a Kb suffix for sizes. */
        public String jsonName() {
            return dev.kvmtune.facts.memory.MemColumn.jsonName(id, kind == Kind.KB);
        }
    }

    public Col column(String id) {
        for (Col c : columns) if (c.id().equals(id)) return c;
        return null;
    }

    /** Column ids, for messages. */
    public List<String> ids() {
        return columns.stream().map(Col::id).toList();
    }

    /**
     * Rows in order of one column, smallest first as smem prints them (the largest lands next to the
     * prompt), or largest first with {@code reverse}; a row without the value counts as smallest.
     */
    public MemTable sorted(String by, boolean reverse) {
        Col c = column(by);
        Comparator<Map<String, Object>> cmp = c.kind() == Kind.TEXT
                ? Comparator.comparing((Map<String, Object> r) -> (String) r.get(by), Comparator.nullsFirst(Comparator.naturalOrder()))
                : Comparator.comparing((Map<String, Object> r) -> number(r.get(by)), Comparator.nullsFirst(Comparator.naturalOrder()));
        List<Map<String, Object>> out = new ArrayList<>(rows);
        out.sort(reverse ? cmp.reversed() : cmp);
        return new MemTable(view, columns, defaults, defaultSort, out, notes);
    }

    /**
     * The totals line: each column's sum, count of distinct values or count of rows as its
     * {@link Total} says; a column no row has stays absent.
     */
    public Map<String, Object> totals() {
        Map<String, Object> t = new LinkedHashMap<>();
        for (Col c : columns) {
            if (c.total() == Total.NONE) continue;
            if (c.total() == Total.ROWS) {
                t.put(c.id(), (long) rows.size());
                continue;
            }
            if (c.total() == Total.DISTINCT) {
                t.put(c.id(), (long) rows.stream().map(r -> r.get(c.id())).filter(v -> v != null).distinct().count());
                continue;
            }
            Double sum = null;
            for (Map<String, Object> r : rows) {
                Double v = number(r.get(c.id()));
                if (v != null) sum = sum == null ? v : sum + v;
            }
            if (sum != null) t.put(c.id(), c.kind() == Kind.PERCENT ? (Object) sum : (Object) Math.round(sum));
        }
        return t;
    }

    static Double number(Object o) {
        if (o instanceof Long l) return l.doubleValue();
        if (o instanceof Integer i) return i.doubleValue();
        if (o instanceof Double d) return d;
        return null;
    }
}
