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
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.WARN, "memory")
                    .title("No swap is active")
                    .why("A guest page swapped out on the host stalls the vCPU for a disk read when touched again: milliseconds "
                            + "where a realtime guest counts microseconds. The cost is losing the safety net when memory runs out.")
                    .evidence(List.of("proc/swaps: " + (ok ? "no active areas" : swaps.size() + " active")))
                    .expected("no swap")
                    .actual(ok ? "none" : swaps.stream().map(s -> s.filename()).toList().toString())
                    .fix(ok ? null : new Finding.Fix("swapoff -a", "remove the swap lines from /etc/fstab (or mask the swap units)"))
                    .reboot(false)
                    .reference("seed 002")
                    .build());
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
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.FAIL, "memory")
                    .title("1G hugepages are asked for on a CPU that has them")
                    .why("1 GiB pages need the pdpe1gb CPU flag; without it the kernel refuses hugepagesz=1G and the VMs fall back to "
                            + "small pages with their TLB misses.")
                    .evidence(List.of("proc/cmdline: hugepagesz/default_hugepagesz=1G", "proc/cpuinfo: pdpe1gb " + (ok ? "present" : "absent")))
                    .expected("pdpe1gb")
                    .actual(ok ? "pdpe1gb present" : "pdpe1gb absent")
                    .fix(ok ? null : new Finding.Fix(null, "use hugepagesz=2M (needs pse), or pass pdpe1gb to this VM's CPU model"))
                    .reboot(!ok)
                    .reference("Documentation/admin-guide/mm/hugetlbpage.rst; seed 002")
                    .build());
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
                out.add(Rules.finding(id() + "." + size, ok ? Severity.PASS : Severity.WARN, "memory")
                        .title(size + " hugepages are reserved on every node that runs vCPUs")
                        .why("A VM pinned to one node's CPUs should get its hugepages from that node's memory; a boot-time "
                                + "hugepages=N is spread over the nodes, but a pool filled at runtime often lands on one node, and "
                                + "a VM elsewhere then reads its memory across the interconnect.")
                        .evidence(evidence)
                        .expected("hugepages on " + (ctx.hasIsolation() ? "the nodes of CPUs " + ctx.isolated() : "every node with CPUs"))
                        .actual(ok ? "every such node has pages" : "none on " + String.join(", ", empty))
                        .fix(ok ? null : new Finding.Fix("echo N > /sys/devices/system/node/" + empty.get(0) + "/hugepages/hugepages-" + pool.pageSizeKb() + "kB/nr_hugepages",
                                "hugepages=N on the kernel command line (spread over nodes at boot), or a per-node systemd unit"))
                        .reboot(false)
                        .reference("Documentation/admin-guide/mm/hugetlbpage.rst; seed 002")
                        .build());
            }
            return out;
        }
    }
}
