package dev.kvmtune.facts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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
import dev.kvmtune.facts.memory.MemoryFacts;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.power.PowerFacts;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.facts.sysctl.SysctlReader;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.util.CpuSet;
import java.util.List;
import java.util.Map;

/**
 * Everything kvmtune knows about one host, read through one {@link Root}. This is the JSON of
 * {@code kvmtune facts --format json} (schema in docs/facts-json.md); field order is fixed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"schema", "root", "cpu", "numa", "kernel", "isolation", "power", "memory", "sysctls", "tracing",
        "interrupts", "threads", "vms", "block", "unreadable"})
public record HostFacts(
        int schema,
        String root,
        Cpu cpu,
        List<NumaNode> numa,
        KernelFacts kernel,
        IsolationReader.Isolation isolation,
        PowerFacts power,
        MemoryFacts memory,
        Map<String, Sourced<String>> sysctls,
        SysctlReader.Tracing tracing,
        Interrupts interrupts,
        ThreadsReader.Threads threads,
        List<VmFacts> vms,
        List<BlockReader.BlockDevice> block,
        Map<String, String> unreadable) {

    public static final int SCHEMA = 1;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(
            CpuTopologyReader.CpuLists lists,
            Sourced<Boolean> smtActive,
            CpuInfoReader.CpuInfo identity,
            CpuSummary summary,
            List<CpuTopology> cpus) {

        /** Highest possible CPU number, for "N" in CPU lists; from the CPU directories when lists are absent. */
        public int lastCpu() {
            if (lists.possible().isPresent()) return lists.possible().value().last();
            return cpus.isEmpty() ? -1 : cpus.get(cpus.size() - 1).cpu();
        }

        public CpuSet online() {
            if (lists.online().isPresent()) return lists.online().value();
            CpuSet s = CpuSet.EMPTY;
            for (CpuTopology t : cpus) {
                if (t.online()) s = s.union(CpuSet.of(t.cpu()));
            }
            return s;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Interrupts(
            InterruptsReader.Table table,
            SoftirqsReader.Softirqs softirqs,
            Sourced<CpuSet> defaultAffinity,
            List<IrqAffinityReader.IrqAffinity> affinity,
            IrqbalanceReader.Irqbalance irqbalance) {
    }

    /** The same facts with only these VMs (audit --vm). */
    public HostFacts withVms(List<VmFacts> only) {
        return new HostFacts(schema, root, cpu, numa, kernel, isolation, power, memory, sysctls, tracing, interrupts, threads, only,
                block, unreadable);
    }

    /** The CPUs the kernel reports as isolated: isolated ∪ nohz_full. */
    public CpuSet kernelIsolated() {
        return isolation.kernelIsolated();
    }
}
