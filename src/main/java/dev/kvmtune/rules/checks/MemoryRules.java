package dev.kvmtune.rules.checks;

import dev.kvmtune.rules.AuditContext;
import dev.kvmtune.rules.Finding;
import dev.kvmtune.rules.Severity;
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
}
