package dev.kvmtune.rules.checks;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.List;

/** Memory rules: swap, hugepage sizes the CPU supports. */
final class MemoryRules {
    private MemoryRules() {
    }

    static final class SwapOff implements Rule {
        public String id() {
            return "memory.swap.off";
        }

        public List<Finding> check(AuditContext ctx) {
            var swaps = ctx.facts().memory().swaps();
            if (swaps == null) return List.of();
            boolean ok = swaps.isEmpty();
            return List.of(Rules.of(id(), ok ? Severity.PASS : Severity.WARN, "memory", "No swap is active",
                    "A guest page swapped out on the host stalls the vCPU for a disk read when touched again: milliseconds "
                            + "where a realtime guest counts microseconds. The cost is losing the safety net when memory runs out.",
                    List.of("proc/swaps: " + (ok ? "no active areas" : swaps.size() + " active")), "no swap",
                    ok ? "none" : swaps.stream().map(s -> s.filename()).toList().toString(),
                    ok ? null : new Finding.Fix("swapoff -a", "remove the swap lines from /etc/fstab (or mask the swap units)"),
                    false, "seed 002"));
        }
    }

    static final class GiganticPagesNeedPdpe1gb implements Rule {
        public String id() {
            return "memory.hugepages_1g.needs_pdpe1gb";
        }

        public List<Finding> check(AuditContext ctx) {
            var c = ctx.facts().kernel().cmdline().orElse(null);
            if (c == null) return List.of();
            boolean asks = c.all("hugepagesz").stream().anyMatch(v -> v.equalsIgnoreCase("1G"))
                    || c.last("default_hugepagesz").map(v -> v.equalsIgnoreCase("1G")).orElse(false);
            var id = ctx.facts().cpu().identity();
            if (!asks || id == null || id.vendor() == null || !id.vendor().contains("Intel") && !id.vendor().contains("AMD")) return List.of();
            boolean ok = id.has("pdpe1gb");
            return List.of(Rules.of(id(), ok ? Severity.PASS : Severity.FAIL, "memory", "1G hugepages are asked for on a CPU that has them",
                    "1 GiB pages need the pdpe1gb CPU flag; without it the kernel refuses hugepagesz=1G and the VMs fall back to "
                            + "small pages with their TLB misses.",
                    List.of("proc/cmdline: hugepagesz/default_hugepagesz=1G", "proc/cpuinfo: pdpe1gb " + (ok ? "present" : "absent")),
                    "pdpe1gb", ok ? "pdpe1gb present" : "pdpe1gb absent",
                    ok ? null : new Finding.Fix(null, "use hugepagesz=2M (needs pse), or pass pdpe1gb to this VM's CPU model"),
                    !ok, "Documentation/admin-guide/mm/hugetlbpage.rst; seed 002"));
        }
    }

    static final class HugepagesPerNode implements Rule {
        public String id() {
            return "memory.hugepages.per_node";
        }

        public List<Finding> check(AuditContext ctx) {
            var pools = ctx.facts().memory().hugepages();
            var nodes = ctx.facts().numa();
            if (pools == null || nodes.isEmpty()) return List.of();
            List<Finding> out = new java.util.ArrayList<>();
            for (var pool : pools.values()) {
                if (pool.total() <= 0) continue;
                List<String> evidence = new java.util.ArrayList<>();
                evidence.add(pool.source() + "/nr_hugepages = " + pool.total());
                List<String> empty = new java.util.ArrayList<>();
                for (var node : nodes) {
                    var p = node.hugepages().get(pool.pageSizeKb());
                    long n = p == null ? 0 : p.total();
                    evidence.add("node" + node.id() + " (CPUs " + node.cpus() + "): " + n + (p == null ? "" : " [" + p.source() + "]"));
                    boolean hostsVcpus = ctx.hasIsolation() ? node.cpus().intersects(ctx.isolated()) : !node.cpus().isEmpty();
                    if (hostsVcpus && n <= 0) empty.add("node" + node.id());
                }
                String size = pool.pageSizeKb() >= 1 << 20 ? (pool.pageSizeKb() >> 20) + "G" : (pool.pageSizeKb() >> 10) + "M";
                boolean ok = empty.isEmpty();
                out.add(Rules.of(id() + "." + size, ok ? Severity.PASS : Severity.WARN, "memory",
                        size + " hugepages are reserved on every node that runs vCPUs",
                        "A VM pinned to one node's CPUs should get its hugepages from that node's memory; a boot-time "
                                + "hugepages=N is spread over the nodes, but a pool filled at runtime often lands on one node, and "
                                + "a VM elsewhere then reads its memory across the interconnect.",
                        evidence, "hugepages on " + (ctx.hasIsolation() ? "the nodes of CPUs " + ctx.isolated() : "every node with CPUs"),
                        ok ? "every such node has pages" : "none on " + String.join(", ", empty),
                        ok ? null : new Finding.Fix("echo N > /sys/devices/system/node/" + empty.get(0) + "/hugepages/hugepages-" + pool.pageSizeKb() + "kB/nr_hugepages",
                                "hugepages=N on the kernel command line (spread over nodes at boot), or a per-node systemd unit"),
                        false, "Documentation/admin-guide/mm/hugetlbpage.rst; seed 002"));
            }
            return out;
        }
    }
}
