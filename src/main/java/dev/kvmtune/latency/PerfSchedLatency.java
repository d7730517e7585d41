package dev.kvmtune.latency;

import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table {@code perf sched latency} prints (tools/perf/builtin-sched.c): per task, its run time,
 * switches, and the average and worst delay between being woken and running. perf 6.x ends a row
 * with "max start: T s | max end: T s"; older perf with "max at: T s". Seed 003 reads a vCPU
 * thread's row ("CPU 0/KVM:4242") as its scheduling delay. A task merged over several pids shows
 * "name:(N)" and has no pid.
 */
public final class PerfSchedLatency {
    /**
     * One row.
     *
     * @param pid       the thread id, or null for a row merged over N threads
     * @param threads   how many threads the row stands for
     * @param maxAtSeconds when the worst delay began (perf's timestamp), as "max start" or "max at"
     */
    public record Row(String task, Integer pid, int threads, double runtimeMs, long switches, double avgDelayMs, double maxDelayMs,
                      Double maxAtSeconds) {
    }

    /** The rows, and the lines that looked like rows but did not parse (counted, first kept for the message). */
    public record Table(List<Row> rows, int unparsed, String firstUnparsed) {
    }

    private static final String NUM = "\\d{1,15}(?:\\.\\d{1,9})?";

    private static final Pattern ROW = Pattern.compile(
            "^\\s*(.+?):(\\d+|\\(\\d+\\))\\s*\\|\\s*(" + NUM + ") ms\\s*\\|\\s*(\\d+)\\s*\\|\\s*avg:\\s*(" + NUM + ") ms\\s*\\|\\s*max:\\s*("
                    + NUM + ") ms\\s*(?:\\|\\s*max (?:start|at):\\s*(" + NUM + ") s.*)?$");

    private PerfSchedLatency() {
    }

    public static Table parse(String text) {
        List<Row> rows = new ArrayList<>();
        int bad = 0;
        String first = null;
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("-") || l.startsWith("Task") || l.startsWith("TOTAL:")) continue;
            if (!l.contains("|")) continue;
            Matcher m = ROW.matcher(line);
            if (!m.matches()) {
                bad++;
                if (first == null) first = l.length() > 100 ? l.substring(0, 100) : l;
                continue;
            }
            String id = m.group(2);
            Integer pid = null;
            int threads = 1;
            if (id.startsWith("(")) threads = (int) Numbers.parseLong(id.substring(1, id.length() - 1), 1);
            else pid = (int) Numbers.parseLong(id, -1);
            rows.add(new Row(m.group(1).strip(), pid, threads, Double.parseDouble(m.group(3)), Numbers.parseLong(m.group(4), 0),
                    Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)), m.group(7) == null ? null : Double.parseDouble(m.group(7))));
        }
        return new Table(rows, bad, first);
    }
}
