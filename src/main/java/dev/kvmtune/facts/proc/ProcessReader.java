package dev.kvmtune.facts.proc;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one reader of processes and threads: {@code proc/<pid>/stat}, {@code status},
 * {@code cmdline} and {@code task/<tid>/...} (Documentation/filesystems/proc.rst; field numbers
 * from proc_pid_stat(5)). Threads that exit while being read are skipped, not errors: the
 * process table changes under any reader.
 */
public final class ProcessReader {
    /** PF_KTHREAD from include/linux/sched.h: the task is a kernel thread. */
    public static final long PF_KTHREAD = 0x00200000L;

    /**
     * One thread (or the main thread of a process).
     *
     * @param comm     name (the kernel's 15-character comm)
     * @param lastCpu  CPU it last ran on (stat field 39)
     * @param priority real-time priority 1..99, 0 for normal policies (field 40)
     * @param allowed  Cpus_allowed_list from status; null when unreadable
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Task(int pid, int tid, String comm, char state, int ppid, boolean kernelThread, int lastCpu,
                       int priority, SchedPolicy policy, int nice, CpuSet allowed, long voluntarySwitches,
                       long involuntarySwitches, String source) {
    }

    /** What stat gives: the parts of proc_pid_stat(5) kvmtune uses. */
    record Stat(int pid, String comm, char state, int ppid, long flags, int nice, int processor, int rtPriority, int policy) {
    }

    /** What status gives. */
    record Status(CpuSet allowed, long voluntary, long involuntary, int tgid) {
    }

    private ProcessReader() {
    }

    /** Numeric directories of proc, ascending. */
    public static List<Integer> pids(Root root) {
        return numericChildren(root, "proc");
    }

    public static List<Integer> tids(Root root, int pid) {
        return numericChildren(root, "proc/" + pid + "/task");
    }

    private static List<Integer> numericChildren(Root root, String dir) {
        List<Integer> out = new ArrayList<>();
        for (String n : root.list(dir)) {
            long v = Numbers.parseLong(n, -1);
            if (v > 0 && v <= Integer.MAX_VALUE && !n.startsWith("+") && !n.startsWith("-")) out.add((int) v);
        }
        out.sort(null);
        return out;
    }

    /** Reads one thread of a process; empty when it vanished or its stat does not parse. */
    public static Optional<Task> task(Root root, int pid, int tid) {
        String dir = "proc/" + pid + "/task/" + tid;
        return read(root, pid, dir);
    }

    /** Reads a process through its main thread directory {@code proc/<pid>}. */
    public static Optional<Task> process(Root root, int pid) {
        return read(root, pid, "proc/" + pid);
    }

    private static Optional<Task> read(Root root, int pid, String dir) {
        Optional<Stat> st = root.read(dir + "/stat").flatMap(ProcessReader::parseStat);
        if (st.isEmpty()) return Optional.empty();
        Stat s = st.get();
        Status status = root.read(dir + "/status").map(ProcessReader::parseStatus).orElse(new Status(null, -1, -1, pid));
        return Optional.of(new Task(status.tgid() > 0 ? status.tgid() : pid, s.pid(), s.comm(), s.state(), s.ppid(),
                (s.flags() & PF_KTHREAD) != 0, s.processor(), s.rtPriority(), SchedPolicy.of(s.policy()), s.nice(),
                status.allowed(), status.voluntary(), status.involuntary(), dir));
    }

    /** All threads of all processes. */
    public static List<Task> allThreads(Root root) {
        List<Task> out = new ArrayList<>();
        for (int pid : pids(root)) {
            for (int tid : tids(root, pid)) task(root, pid, tid).ifPresent(out::add);
        }
        return out;
    }

    /** Command line arguments (NUL separated in the file); empty list for kernel threads or when gone. */
    public static List<String> cmdline(Root root, int pid) {
        return root.read("proc/" + pid + "/cmdline").map(ProcessReader::parseCmdline).orElse(List.of());
    }

    static List<String> parseCmdline(String text) {
        if (text.isEmpty()) return List.of();
        String t = text.endsWith("\0") ? text.substring(0, text.length() - 1) : text;
        return List.of(t.split("\0", -1));
    }

    /**
     * Parses proc/[pid]/stat. The comm field is in parentheses and may itself contain spaces and
     * ')' characters, so the fields after it are found from the last ')'.
     */
    static Optional<Stat> parseStat(String text) {
        int open = text.indexOf('(');
        int close = text.lastIndexOf(')');
        if (open < 0 || close < open) return Optional.empty();
        long pid = Numbers.parseLong(text.substring(0, open), -1);
        String[] f = fields(text.substring(close + 1));
        // f[0] is field 3 (state); field N is f[N - 3]
        if (pid < 0 || f.length < 39 || f[0].isEmpty()) return Optional.empty();
        return Optional.of(new Stat((int) pid, text.substring(open + 1, close), f[0].charAt(0),
                (int) Numbers.parseLong(f[4 - 3], -1),
                Numbers.parseLong(f[9 - 3], 0),
                (int) Numbers.parseLong(f[19 - 3], 0),
                (int) Numbers.parseLong(f[39 - 3], -1),
                (int) Numbers.parseLong(f[40 - 3], 0),
                f.length > 41 - 3 ? (int) Numbers.parseLong(f[41 - 3], -1) : -1));
    }

    /**
     * {@code s.trim().split("\\s+")} without a regular expression: a cold run parses the stat file of every
     * thread on the host, and the pattern was compiled and run by the interpreter for each.
     */
    static String[] fields(String s) {
        String t = s.trim();
        List<String> out = new ArrayList<>(52);
        int n = t.length();
        int i = 0;
        do {
            int j = i;
            while (j < n && !isSpace(t.charAt(j))) j++;
            out.add(t.substring(i, j));
            while (j < n && isSpace(t.charAt(j))) j++;
            i = j;
        } while (i < n);
        return out.toArray(new String[0]);
    }

    /** The characters of the regular expression {@code \\s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    static Status parseStatus(String text) {
        CpuSet allowed = null;
        long vol = -1;
        long invol = -1;
        int tgid = -1;
        // about fifty lines, of which four are wanted: only those are cut out and trimmed
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            int colon = text.indexOf(':', start);
            if (colon < 0 || colon > end) continue;
            switch (text.substring(start, colon)) {
                case "Cpus_allowed_list" -> {
                    try {
                        allowed = CpuSet.parseList(value(text, colon, end));
                    } catch (IllegalArgumentException e) {
                        allowed = null;
                    }
                }
                case "voluntary_ctxt_switches" -> vol = Numbers.parseLong(value(text, colon, end), -1);
                case "nonvoluntary_ctxt_switches" -> invol = Numbers.parseLong(value(text, colon, end), -1);
                case "Tgid" -> tgid = (int) Numbers.parseLong(value(text, colon, end), -1);
                default -> {
                }
            }
        }
        return new Status(allowed, vol, invol, tgid);
    }

    /** The value of a status line: what follows its colon, up to the line's end, trimmed. */
    private static String value(String text, int colon, int end) {
        return text.substring(colon + 1, end).strip();
    }
}
