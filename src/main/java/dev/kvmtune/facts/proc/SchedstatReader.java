package dev.kvmtune.facts.proc;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.OptionalLong;

/**
 * A thread's scheduler statistics from {@code /proc/PID/task/TID/schedstat} (kernel
 * Documentation/scheduler/sched-stats.rst): nanoseconds spent running, nanoseconds spent waiting
 * runnable on a run queue, and the number of timeslices run. The second field is the run delay
 * that seed 003 reads with {@code perf sched latency}: a vCPU thread that waits there is a guest
 * whose virtual CPU stands still. The file exists when the kernel has CONFIG_SCHED_INFO (set by
 * CONFIG_SCHEDSTATS or CONFIG_TASK_DELAY_ACCT).
 */
public final class SchedstatReader {

    /** The three counters, cumulative since the thread started. */
    public record Schedstat(long runNs, long waitNs, long timeslices) {
        /** The counters gained from {@code earlier} to this reading. */
        public Schedstat since(Schedstat earlier) {
            return new Schedstat(runNs - earlier.runNs, waitNs - earlier.waitNs, timeslices - earlier.timeslices);
        }
    }

    /**
     * One read: the counters, or why there are none. Absent (no file: the thread ended, or the kernel
     * lacks CONFIG_SCHED_INFO) and unparseable are told apart.
     */
    public sealed interface Reading {
    }

    public record Read(Schedstat value) implements Reading {
    }

    public record Absent(String path) implements Reading {
    }

    public record Unparseable(String path, String text) implements Reading {
    }

    private SchedstatReader() {
    }

    public static String path(int pid, int tid) {
        return "proc/" + pid + "/task/" + tid + "/schedstat";
    }

    public static Reading read(Root root, int pid, int tid) {
        String path = path(pid, tid);
        return root.read(path).<Reading>map(t -> {
            Schedstat s = parse(t);
            return s == null ? new Unparseable(path, t.length() > 60 ? t.substring(0, 60) : t) : new Read(s);
        }).orElse(new Absent(path));
    }

    /** "RUN WAIT SLICES\n"; null when the text is not three non-negative numbers. */
    public static Schedstat parse(String text) {
        String[] f = text.strip().split("\\s+");
        if (f.length != 3) return null;
        long[] v = new long[3];
        for (int i = 0; i < 3; i++) {
            OptionalLong n = Numbers.parseLong(f[i]);
            if (n.isEmpty() || n.getAsLong() < 0) return null;
            v[i] = n.getAsLong();
        }
        return new Schedstat(v[0], v[1], v[2]);
    }
}
