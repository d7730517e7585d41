package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code proc/interrupts} (kernel/irq/proc.c show_interrupts and the per-arch
 * arch_show_interrupts; Documentation/filesystems/proc.rst). The header names the online CPUs
 * ({@code CPU0 CPU1 ...}; offline CPUs have no column). Numbered rows are device IRQs:
 * counts, then chip, hardware IRQ and trigger ({@code IO-APIC 2-edge} on x86,
 * {@code GICv3 30 Level} on arm64), then the comma-separated handler names. Named rows are the
 * per-CPU system counters (LOC, RES, CAL, TLB, NMI on x86; IPI0..IPI6 on arm64) with a
 * description, or a single total (ERR, MIS, Err).
 */
public final class InterruptsReader {
    public static final String PATH = "proc/interrupts";

    /**
     * One row. {@code counts[i]} belongs to {@code cpus.get(i)} of the table; rows with fewer
     * values than CPUs (ERR, MIS, truncated lines) carry only what was printed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String irq, long[] counts, String chip, String hwirq, String trigger, List<String> actions,
                      String description, int line) {
        public boolean numbered() {
            return !irq.isEmpty() && Character.isDigit(irq.charAt(0));
        }

        public long total() {
            long t = 0;
            for (long c : counts) t += c;
            return t;
        }
    }

    /** The whole table; {@code malformed} counts lines that could not be read at all. */
    public record Table(String source, List<Integer> cpus, List<Row> rows, int malformed, String firstMalformed) {
        public Row row(String irq) {
            for (Row r : rows) {
                if (r.irq().equals(irq)) return r;
            }
            return null;
        }

        /** Column index of a CPU, or -1 when it has no column (offline). */
        public int column(int cpu) {
            return cpus.indexOf(cpu);
        }
    }

    private InterruptsReader() {
    }

    public static Table read(Root root) {
        return root.read(PATH).map(t -> parse(t, PATH)).orElse(null);
    }

    public static Table parse(String text, String source) {
        List<Integer> cpus = new ArrayList<>();
        int len = text.length();
        int pos = 0;
        int lineNo = 1;
        // the header: the first line that is not blank
        while (pos < len) {
            int end = lineEnd(text, pos);
            if (!text.substring(pos, end).isBlank()) break;
            pos = Math.min(len, end + 1);
            lineNo++;
        }
        if (pos < len) {
            int end = lineEnd(text, pos);
            for (String h : text.substring(pos, end).trim().split("\\s+")) {
                if (h.startsWith("CPU")) {
                    long n = Numbers.parseLong(h.substring(3), -1);
                    if (n >= 0) cpus.add((int) n);
                }
            }
            pos = Math.min(len, end + 1);
            lineNo++;
        }
        List<Row> rows = new ArrayList<>();
        int malformed = 0;
        String firstMalformed = null;
        // rows are read in place: a 1,152-CPU host's rows are 13 kB each, a thousand of them
        for (; pos < len; lineNo++) {
            int end = lineEnd(text, pos);
            if (!blank(text, pos, end)) {
                Row r = parseRow(text, pos, end, cpus.size(), lineNo);
                if (r == null) {
                    malformed++;
                    if (firstMalformed == null) firstMalformed = source + ":" + lineNo;
                } else {
                    rows.add(r);
                }
            }
            pos = end + 1;
        }
        return new Table(source, List.copyOf(cpus), List.copyOf(rows), malformed, firstMalformed);
    }

    private static int lineEnd(String text, int from) {
        int nl = text.indexOf('\n', from);
        return nl < 0 ? text.length() : nl;
    }

    private static boolean blank(String text, int from, int to) {
        for (int i = from; i < to; i++) if (!Character.isWhitespace(text.charAt(i))) return false;
        return true;
    }

    static Row parseRow(String line, int ncpu, int lineNo) {
        return parseRow(line, 0, line.length(), ncpu, lineNo);
    }

    /** The row in {@code text} from {@code from} to {@code to} (exclusive, without its newline). */
    static Row parseRow(String text, int from, int to, int ncpu, int lineNo) {
        int colon = text.indexOf(':', from);
        if (colon < 0 || colon >= to || colon == from) return null;
        String irq = text.substring(from, colon).strip();
        if (irq.isEmpty() || irq.contains(" ")) return null;
        // the counts are scanned in place: a row of a 1,152-CPU host holds 1,152 of them
        long[] counts = new long[Math.max(0, Math.min(ncpu, (to - colon) / 2))];
        int n = 0;
        int pos = colon + 1;
        while (n < counts.length) {
            while (pos < to && Character.isWhitespace(text.charAt(pos))) pos++;
            int startTok = pos;
            long v = 0;
            boolean ok = pos < to;
            while (pos < to) {
                char c = text.charAt(pos);
                if (c == ' ' || Character.isWhitespace(c)) break;
                if (c < '0' || c > '9' || v > (Long.MAX_VALUE - (c - '0')) / 10) {
                    ok = false;
                    break;
                }
                v = v * 10 + (c - '0');
                pos++;
            }
            if (!ok) {
                pos = startTok;
                break;
            }
            counts[n++] = v;
        }
        String rest = text.substring(pos, to).strip();
        if (n == 0 && rest.isEmpty()) return new Row(irq, new long[0], null, null, null, List.of(), null, lineNo);
        if (n == 0) return null;
        if (n < counts.length) counts = java.util.Arrays.copyOf(counts, n);
        List<String> tail = rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
        boolean numbered = Character.isDigit(irq.charAt(0));
        if (!numbered || tail.isEmpty()) {
            return new Row(irq, counts, null, null, null, List.of(), tail.isEmpty() ? null : String.join(" ", tail), lineNo);
        }
        String chip = tail.get(0);
        String hwirq = tail.size() > 1 ? tail.get(1) : null;
        String trigger = null;
        int actionsFrom = 2;
        if (hwirq != null && hwirq.contains("-") && !hwirq.startsWith("-")) {
            // x86: "2-edge", "65536-edge", "9-fasteoi"
            int dash = hwirq.lastIndexOf('-');
            trigger = hwirq.substring(dash + 1);
            hwirq = hwirq.substring(0, dash);
        } else if (tail.size() > 2 && (tail.get(2).equals("Edge") || tail.get(2).equals("Level"))) {
            trigger = tail.get(2);
            actionsFrom = 3;
        }
        List<String> actions = new ArrayList<>();
        if (tail.size() > actionsFrom) {
            for (String a : String.join(" ", tail.subList(actionsFrom, tail.size())).split(",\\s*")) {
                if (!a.isBlank()) actions.add(a.strip());
            }
        }
        return new Row(irq, counts, chip, hwirq, trigger, actions, null, lineNo);
    }
}
