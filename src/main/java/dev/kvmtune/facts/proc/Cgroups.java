package dev.kvmtune.facts.proc;

import dev.kvmtune.facts.source.Root;
import java.util.List;
import java.util.Optional;

/** A task's cgroups, from /proc/PID/task/TID/cgroup, and where RT group scheduling keeps its budgets. */
public final class Cgroups {
    /** Where a controller is mounted (root-relative) and a task's group in it ("/" for the top). */
    public record Group(String mount, String path) {
        /** A file of the group, root-relative. */
        public String file(String name) {
            return mount + (path.equals("/") ? "" : path) + "/" + name;
        }
    }

    private Cgroups() {
    }

    /**
     * A task's group for one controller: v1 "N:cpu,cpuacct:/path" under sys/fs/cgroup/cpu,cpuacct
     * (the controllers as the line lists them), or v2 "0::/path" under sys/fs/cgroup; null when the
     * text names neither.
     */
    public static Group of(String text, String controller) {
        String v2 = null;
        for (String line : text.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            for (String c : f[1].split(",")) if (c.equals(controller)) return new Group("sys/fs/cgroup/" + f[1], f[2].strip());
            if (f[0].equals("0") && f[1].isEmpty()) v2 = f[2].strip();
        }
        return v2 == null ? null : new Group("sys/fs/cgroup", v2);
    }

    /**
     * The cgroup v1 cpu hierarchy when the kernel has RT group scheduling (CONFIG_RT_GROUP_SCHED:
     * its top group has cpu.rt_runtime_us); empty without it, and under cgroup v2, which has none.
     */
    public static Optional<String> rtGroupMount(Root root) {
        for (String m : List.of("sys/fs/cgroup/cpu", "sys/fs/cgroup/cpu,cpuacct")) {
            if (root.exists(m + "/cpu.rt_runtime_us")) return Optional.of(m);
        }
        return Optional.empty();
    }
}
