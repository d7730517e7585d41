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
        String[] lines = text.split("\n");
        List<Integer> cpus = new ArrayList<>();
        int start = 0;
        while (start < lines.length && lines[start].isBlank()) start++;
        if (start < lines.length) {
            for (String h : lines[start].trim().split("\\s+")) {
                if (h.startsWith("CPU")) {
                    long n = Numbers.parseLong(h.substring(3), -1);
                    if (n >= 0) cpus.add((int) n);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        int malformed = 0;
        String firstMalformed = null;
        for (int i = start + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) continue;
            Row r = parseRow(line, cpus.size(), i + 1);
            if (r == null) {
                malformed++;
                if (firstMalformed == null) firstMalformed = source + ":" + (i + 1);
            } else {
                rows.add(r);
            }
        }
        return new Table(source, List.copyOf(cpus), List.copyOf(rows), malformed, firstMalformed);
    }

    static Row parseRow(String line, int ncpu, int lineNo) {
        int colon = line.indexOf(':');
        if (colon <= 0) return null;
        String irq = line.substring(0, colon).strip();
        if (irq.isEmpty() || irq.contains(" ")) return null;
        String rest = line.substring(colon + 1);
        String[] tok = rest.trim().split("\\s+");
        if (tok.length == 1 && tok[0].isEmpty()) return new Row(irq, new long[0], null, null, null, List.of(), null, lineNo);
        int n = 0;
        long[] counts = new long[Math.min(ncpu, tok.length)];
        while (n < tok.length && n < ncpu) {
            var v = Numbers.parseLong(tok[n]);
            if (v.isEmpty()) break;
            counts[n++] = v.getAsLong();
        }
        if (n == 0) return null;
        if (n < counts.length) counts = java.util.Arrays.copyOf(counts, n);
        List<String> tail = List.of(tok).subList(n, tok.length);
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
