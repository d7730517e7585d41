package dev.kvmtune.facts;

import dev.kvmtune.facts.block.BlockReader;
import dev.kvmtune.facts.cpu.CpuInfoReader;
import dev.kvmtune.facts.cpu.CpuSummary;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.cpu.CpuTopologyReader;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.irq.IrqbalanceReader;
import dev.kvmtune.facts.irq.SoftirqsReader;
import dev.kvmtune.facts.kernel.KernelFacts;
import dev.kvmtune.facts.kernel.KernelReader;
import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.numa.NumaReader;
import dev.kvmtune.facts.power.PowerReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.sysctl.SysctlReader;
import dev.kvmtune.util.CpuSet;
import java.util.List;
import java.util.TreeMap;

/** Reads every section of {@link HostFacts} from a root. The same code serves live and snapshot. */
public final class HostFactsCollector {
    public static final String SMT_ACTIVE = "sys/devices/system/cpu/smt/active";

    private HostFactsCollector() {
    }

    public static HostFacts collect(Root root) {
        CpuTopologyReader.CpuLists lists = CpuTopologyReader.readLists(root);
        List<CpuTopology> cpus = CpuTopologyReader.read(root, lists.online().orElse(null));
        Sourced<Boolean> smt = Sourced.read(root, SMT_ACTIVE, s -> switch (s) {
            case "1" -> true;
            case "0" -> false;
            default -> null;
        });
        HostFacts.Cpu cpu = new HostFacts.Cpu(lists, smt, CpuInfoReader.read(root).orElse(null),
                CpuSummary.of(cpus, smt.orElse(null)), cpus);

        KernelFacts kernel = KernelReader.read(root);
        IsolationReader.Isolation isolation = IsolationReader.read(root, kernel.cmdline().orElse(null), cpu.lastCpu());
        CpuSet isolated = isolation.isolated().orElse(CpuSet.EMPTY).union(isolation.nohzFull().orElse(CpuSet.EMPTY));

        List<ProcessReader.Task> threads = ProcessReader.allThreads(root);
        HostFacts.Interrupts interrupts = new HostFacts.Interrupts(
                InterruptsReader.read(root),
                SoftirqsReader.read(root),
                IrqAffinityReader.readDefault(root),
                IrqAffinityReader.read(root),
                IrqbalanceReader.read(root, threads));

        return new HostFacts(
                HostFacts.SCHEMA,
                root.describe(),
                cpu,
                NumaReader.read(root),
                kernel,
                isolation,
                PowerReader.read(root),
                MemoryReader.read(root),
                SysctlReader.readAll(root, SysctlReader.PROFILE_SYSCTLS),
                SysctlReader.readTracing(root),
                interrupts,
                ThreadsReader.read(threads, isolated),
                BlockReader.read(root),
                new TreeMap<>(root.problems()));
    }
}
