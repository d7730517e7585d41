package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.nio.charset.StandardCharsets;
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

    /** Files larger than this are parsed on several threads, a row each. */
    static final int PARALLEL_BYTES = 1 << 20;

    public static Table read(Root root) {
        return root.readBytes(PATH).map(t -> parse(t, PATH)).orElse(null);
    }

    public static Table parse(String text, String source) {
        return parse(text.getBytes(StandardCharsets.UTF_8), source);
    }

    /**
     * The table from the file's bytes. Rows are scanned in place, counts without copies: a 1,152-CPU
     * host's rows are 13 kB each, a thousand of them; only the text after the counts is decoded.
     */
    public static Table parse(byte[] data, String source) {
        List<Integer> cpus = new ArrayList<>();
        int len = data.length;
        int pos = 0;
        int lineNo = 1;
        // the header: the first line that is not blank
        while (pos < len) {
            int end = lineEnd(data, pos);
            if (!blank(data, pos, end)) break;
            pos = end + 1;
            lineNo++;
        }
        if (pos < len) {
            int end = lineEnd(data, pos);
            for (String h : new String(data, pos, end - pos, StandardCharsets.UTF_8).trim().split("\\s+")) {
                if (h.startsWith("CPU")) {
                    long n = Numbers.parseLong(h.substring(3), -1);
                    if (n >= 0) cpus.add((int) n);
                }
            }
            pos = end + 1;
            lineNo++;
        }
        // the rows' bounds first, then the rows, in parallel when the file is large (a many-CPU host)
        int[] nl = newlines(data, pos);
        int[] starts = new int[nl.length + 1];
        int[] ends = new int[nl.length + 1];
        int[] numbers = new int[nl.length + 1];
        int count = 0;
        for (int k = 0; k <= nl.length && pos < len; k++, lineNo++) {
            int end = k < nl.length ? nl[k] : len;
            if (!blank(data, pos, end)) {
                starts[count] = pos;
                ends[count] = end;
                numbers[count++] = lineNo;
            }
            pos = end + 1;
        }
        int ncpu = cpus.size();
        java.util.stream.IntStream idx = java.util.stream.IntStream.range(0, count);
        if (len > PARALLEL_BYTES) idx = idx.parallel();
        Row[] parsed = idx.mapToObj(i -> parseRow(data, starts[i], ends[i], ncpu, numbers[i])).toArray(Row[]::new);
        List<Row> rows = new ArrayList<>(count);
        int malformed = 0;
        String firstMalformed = null;
        for (int i = 0; i < count; i++) {
            if (parsed[i] != null) rows.add(parsed[i]);
            else if (malformed++ == 0) firstMalformed = source + ":" + numbers[i];
        }
        return new Table(source, List.copyOf(cpus), List.copyOf(rows), malformed, firstMalformed);
    }

    /** Where the newlines from {@code from} on are, found on several threads in a large file. */
    private static int[] newlines(byte[] data, int from) {
        int len = data.length;
        int parts = len - from > PARALLEL_BYTES ? Math.max(1, Math.min(16, Runtime.getRuntime().availableProcessors())) : 1;
        int step = (len - from + parts - 1) / Math.max(1, parts);
        java.util.stream.IntStream p = java.util.stream.IntStream.range(0, parts);
        if (parts > 1) p = p.parallel();
        int[][] found = p.mapToObj(k -> {
            int a = from + k * step;
            int b = Math.min(len, a + step);
            int[] out = new int[64];
            int n = 0;
            for (int i = a; i < b; i++) {
                if (data[i] == '\n') {
                    if (n == out.length) out = java.util.Arrays.copyOf(out, n * 2);
                    out[n++] = i;
                }
            }
            return java.util.Arrays.copyOf(out, n);
        }).toArray(int[][]::new);
        int total = 0;
        for (int[] f : found) total += f.length;
        int[] all = new int[total];
        int at = 0;
        for (int[] f : found) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        return all;
    }

    private static int lineEnd(byte[] data, int from) {
        for (int i = from; i < data.length; i++) if (data[i] == '\n') return i;
        return data.length;
    }

    /** Space, tab, CR, vertical tab, form feed: what separates the columns. */
    private static boolean space(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static boolean blank(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) if (!space(data[i])) return false;
        return true;
    }

    /** The row in {@code data} from {@code from} to {@code to} (exclusive, without its newline). */
    static Row parseRow(byte[] data, int from, int to, int ncpu, int lineNo) {
        int colon = -1;
        for (int i = from; i < to; i++) {
            if (data[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= from) return null;
        String irq = new String(data, from, colon - from, StandardCharsets.UTF_8).strip();
        if (irq.isEmpty() || irq.contains(" ")) return null;
        long[] counts = new long[Math.max(0, Math.min(ncpu, (to - colon) / 2))];
        int n = 0;
        int pos = colon + 1;
        while (n < counts.length) {
            while (pos < to && space(data[pos])) pos++;
            int startTok = pos;
            long v = 0;
            int digits = 0;
            boolean ok = pos < to;
            while (pos < to) {
                byte c = data[pos];
                if (c == ' ' || space(c)) break;
                // 18 digits cannot overflow a long: only longer numbers pay for the check
                if (c < '0' || c > '9' || (++digits > 18 && v > (Long.MAX_VALUE - (c - '0')) / 10)) {
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
        String rest = new String(data, pos, to - pos, StandardCharsets.UTF_8).strip();
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
