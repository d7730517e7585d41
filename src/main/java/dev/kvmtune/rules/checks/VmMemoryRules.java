package dev.kvmtune.rules.checks;

import dev.kvmtune.facts.memory.MemColumn;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.memory.VmMemory;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rules on where a running VM's memory really is (seed 000's memory section, read for VMs): its NUMA
 * placement from {@code numa_maps} against its vCPUs' nodes, its hugetlb pages against its RAM, and
 * KSM beside realtime VMs. They read the QEMU process's {@code status} and {@code numa_maps}.
 */
final class VmMemoryRules {
    private VmMemoryRules() {
    }

    private static Optional<ProcessMemory> memory(AuditContext ctx, VmFacts vm, boolean numa) {
        if (!"running".equals(vm.state()) || vm.vm().pid() == null) return Optional.empty();
        return ProcessMemoryReader.readPid(ctx.root(), vm.vm().pid(),
                new ProcessMemoryReader.Options(ProcessMemoryReader.Depth.STATUS, numa, false, false, true, ProcessMemoryReader.Options.DEFAULT_WAIT));
    }

    static String mib(long kb) {
        return kb % 1024 == 0 ? (kb / 1024) + " MiB" : kb + " kB";
    }

    /** A VM confined to some nodes must find its memory there: a remote access costs every vCPU a NUMA hop. */
    static final class NumaLocal extends VmRules.PerVm {
        public String id() {
            return "vm.memory.numa_local";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            List<NumaNode> nodes = ctx.facts().numa();
            if (nodes == null || nodes.stream().filter(n -> n.memTotalKb() > 0).count() < 2) return;
            Optional<ProcessMemory> p = memory(ctx, vm, true);
            if (p.isEmpty() || p.get().numa() == null) return;
            VmMemory m = VmMemory.of(vm, p.get(), nodes);
            if (m.vcpuNodes() == null || m.localPercent() == null) return;
            boolean ok = m.localPercent() >= 50;
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("its memory is on the NUMA node" + (m.vcpuNodes().size() > 1 ? "s" : "") + " of its vCPUs")
                    .why("A vCPU that reads memory on another node pays the interconnect's latency on every cache miss, and the "
                            + "guest cannot see it: the vCPUs are pinned to one node but the pages were placed before the pinning, "
                            + "or by a policy that let them spill. numatune/host-nodes binds the memory where the vCPUs run.")
                    .evidence(List.of("proc/" + m.pid() + "/numa_maps: kB per node " + m.kbByNode(),
                            "vCPU threads' affinity: node" + (m.vcpuNodes().size() > 1 ? "s " : " ") + m.vcpuNodes()))
                    .expected("at least half of its memory on node " + m.vcpuNodes())
                    .actual(m.localPercent() + "% there")
                    .fix(ok ? null : new Finding.Fix("migratepages " + m.pid() + " all " + join(m.vcpuNodes()),
                            "bind the memory at start: -object memory-backend-*,host-nodes=" + join(m.vcpuNodes())
                                    + ",policy=bind (libvirt: <numatune><memory mode='strict' nodeset='" + join(m.vcpuNodes()) + "'/></numatune>)"))
                    .reference("Documentation/admin-guide/mm/numa_memory_policy.rst; seed 000")
                    .build());
        }

        private static String join(List<Integer> l) {
            StringBuilder sb = new StringBuilder();
            for (Integer i : l) sb.append(sb.length() == 0 ? "" : ",").append(i);
            return sb.toString();
        }
    }

    /** A hugepage-backed VM whose hugetlb pages fall short of its RAM faults them in late, or is not backed as configured. */
    static final class HugetlbMatchesRam extends VmRules.PerVm {
        public String id() {
            return "vm.memory.hugetlb_matches_ram";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            var cfg = vm.vm().memory();
            if (cfg == null || !Boolean.TRUE.equals(cfg.hugepages()) || cfg.bytes() == null) return;
            Optional<ProcessMemory> p = memory(ctx, vm, false);
            if (p.isEmpty()) return;
            Long huge = p.get().get(MemColumn.HUGETLB);
            if (huge == null) return;
            long guest = cfg.bytes() / 1024;
            boolean ok = huge >= guest;
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("all of its RAM is in hugepages")
                    .why("The kernel counts a hugetlbfs page in HugetlbPages once it is faulted in. Less than the guest's RAM means "
                            + "the rest is not there yet (no prealloc: each first touch is a fault on a vCPU, and it fails with SIGBUS "
                            + "when the pool runs dry) or is not backed by hugepages at all; smem and ps count none of it.")
                    .evidence(List.of("proc/" + p.get().pid() + "/status: HugetlbPages " + huge + " kB", src(vm) + ": memory " + mib(guest)
                            + ", hugepages, prealloc " + VmRules.yesNo(cfg.prealloc())))
                    .expected(">= " + mib(guest))
                    .actual(mib(huge))
                    .fix(ok ? null : new Finding.Fix(null, "prealloc=on on the memory backend (libvirt: <memoryBacking><allocation mode='immediate'/>"
                            + "</memoryBacking>), with enough free pages in the pool of the VM's node"))
                    .reference("Documentation/filesystems/proc.rst (HugetlbPages); seed 002")
                    .build());
        }

        private static String src(VmFacts vm) {
            return VmRules.src(vm);
        }
    }

    /** KSM scans and merges pages on the host's CPUs and breaks merged pages on write: both stall a realtime guest. */
    static final class KsmOffWithRealtime implements Rule {
        public String id() {
            return "memory.ksm.off_with_realtime_vms";
        }

        public List<Finding> check(AuditContext ctx) {
            Optional<String> run = ctx.root().read("sys/kernel/mm/ksm/run");
            List<VmFacts> vms = ctx.facts().vms();
            if (run.isEmpty() || vms == null) return List.of();
            List<String> realtime = new ArrayList<>();
            for (VmFacts v : vms) if (realtime(v)) realtime.add(v.label());
            if (realtime.isEmpty()) return List.of();
            String r = run.get().strip();
            boolean ok = r.equals("0") || r.equals("2");
            String merging = ctx.root().read("sys/kernel/mm/ksm/pages_sharing").map(String::strip).orElse(null);
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.WARN, "memory")
                    .title("KSM is off on a host with realtime VMs")
                    .why("ksmd scans guest memory for equal pages, and a write to a merged page takes a copy-on-write fault: the "
                            + "scan costs CPU time and the fault stalls the vCPU at an unknown moment. Realtime VMs " + realtime
                            + " lose more to that than the merging saves.")
                    .evidence(List.of("sys/kernel/mm/ksm/run: " + r + (merging == null ? "" : ", pages_sharing " + merging)))
                    .expected("0 (or 2: unmerge and stop)")
                    .actual(r)
                    .fix(ok ? null : new Finding.Fix("echo 2 > /sys/kernel/mm/ksm/run", "stop ksmtuned (systemctl disable --now ksm ksmtuned)"))
                    .reference("Documentation/admin-guide/mm/ksm.rst")
                    .build());
        }

        /** A realtime VM: its vCPUs are FIFO/RR, by libvirt's vcpusched or by their threads. */
        static boolean realtime(VmFacts v) {
            var pin = v.vm().pinning();
            if (pin != null && pin.vcpusched() != null) {
                for (String s : pin.vcpusched().values()) if (s != null && (s.startsWith("fifo") || s.startsWith("rr"))) return true;
            }
            for (VmThread t : v.byRole("vcpu")) if (t.policy() == SchedPolicy.FIFO || t.policy() == SchedPolicy.RR) return true;
            return false;
        }
    }
}
