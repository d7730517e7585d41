package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.Cgroups;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * With RT group scheduling (CONFIG_RT_GROUP_SCHED, cgroup v1 cpu.rt_runtime_us) a thread becomes
 * SCHED_FIFO only in a cgroup with an RT budget, and libvirt makes every domain and vCPU group
 * with none. These are the writes that give each group between the top and the threads a budget,
 * parents first, so that rollback takes them back leaves first (after the threads left fifo).
 *
 * <p>The kernel checks, for every group, that its children's runtime/period ratios add up to no
 * more than its own (sched-rt-group.rst): a group gets what its parent has left after the groups
 * beside it, shared equally among the groups of this apply under the same parent, rounded down to
 * a millisecond. With RT bandwidth off (kernel.sched_rt_runtime_us = -1) nothing is checked and
 * nothing is written.
 */
final class RtGroupBudget {
    private static final String RUNTIME = "cpu.rt_runtime_us";
    private static final String PERIOD = "cpu.rt_period_us";

    private RtGroupBudget() {
    }

    /** The {@link Change.Value}s, parents first; empty when no group needs one. */
    static List<Change> changes(Desired d, String vmName, List<int[]> pidTids, Root root) {
        String mount = Cgroups.rtGroupMount(root).orElse(null);
        if (mount == null) return List.of();
        String limit = root.read("proc/sys/kernel/sched_rt_runtime_us").map(String::strip).orElse("-1");
        if (limit.equals("-1")) return List.of();
        // every group on the way to each thread, top down
        Set<String> groups = new LinkedHashSet<>();
        for (int[] pt : pidTids) {
            Cgroups.Group g = root.read("proc/" + pt[0] + "/task/" + pt[1] + "/cgroup").map(x -> Cgroups.of(x, "cpu")).orElse(null);
            if (g == null || !g.mount().equals(mount) || g.path().equals("/")) continue;
            String p = "";
            for (String part : g.path().substring(1).split("/")) {
                p += "/" + part;
                groups.add(p);
            }
        }
        List<String> ordered = new ArrayList<>(groups);
        ordered.sort((a, b) -> Long.compare(a.chars().filter(ch -> ch == '/').count(), b.chars().filter(ch -> ch == '/').count()));
        Map<String, Double> ratio = new LinkedHashMap<>();
        ratio.put("/", ratio(root, mount, "/"));
        List<Change> out = new ArrayList<>();
        for (String g : ordered) {
            double now = ratio(root, mount, g);
            if (now > 0) {
                ratio.put(g, now);
                continue;
            }
            String parent = g.lastIndexOf('/') == 0 ? "/" : g.substring(0, g.lastIndexOf('/'));
            Double parentRatio = ratio.get(parent);
            if (parentRatio == null) continue;
            double used = 0;
            int sharing = 0;
            List<String> others = new ArrayList<>();
            String dir = parent.equals("/") ? mount : mount + parent;
            for (String child : root.list(dir)) {
                String cg = (parent.equals("/") ? "" : parent) + "/" + child;
                if (!root.exists(mount + cg + "/" + RUNTIME)) continue;
                double r = ratio(root, mount, cg);
                if (groups.contains(cg) && r == 0) {
                    sharing++;
                } else if (r > 0) {
                    used += r;
                    others.add(cg + " " + value(root, mount, cg, RUNTIME) + "/" + value(root, mount, cg, PERIOD) + " µs");
                }
            }
            long period = value(root, mount, g, PERIOD);
            long runtime = period <= 0 ? 0 : (long) Math.floor((parentRatio - used) / Math.max(sharing, 1) * period / 1000) * 1000;
            if (runtime <= 0) {
                throw new BadInputException("VM " + vmName + ": its fifo vCPUs need an RT budget in cgroup " + g + ", but " + parent
                        + " has none left (" + (others.isEmpty() ? "its own budget is 0" : "the groups beside it hold " + String.join(", ", others))
                        + "); set kernel.sched_rt_runtime_us=-1 (" + (root.isLive() ? "sysctl -w kernel.sched_rt_runtime_us=-1"
                        : "echo -1 > " + root.describe() + "/proc/sys/kernel/sched_rt_runtime_us") + ") or free a budget; nothing was changed");
            }
            ratio.put(g, (double) runtime / period);
            out.add(new Change.Value(d.label(), mount + g + "/" + RUNTIME, Long.toString(runtime), Change.Compare.PLAIN, List.of(), false));
        }
        return out;
    }

    private static double ratio(Root root, String mount, String g) {
        long period = value(root, mount, g, PERIOD);
        return period <= 0 ? 0 : (double) Math.max(value(root, mount, g, RUNTIME), 0) / period;
    }

    private static long value(Root root, String mount, String g, String file) {
        return root.read(mount + (g.equals("/") ? "" : g) + "/" + file).map(s -> Numbers.parseLong(s.strip(), 0)).orElse(0L);
    }
}
