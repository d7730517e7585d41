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
import dev.kvmtune.facts.memory.MemoryFacts;
import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.numa.NumaReader;
import dev.kvmtune.facts.power.PowerFacts;
import dev.kvmtune.facts.power.PowerReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.facts.sysctl.SysctlReader;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.util.CpuSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Reads every section of {@link HostFacts} from a root. The same code serves live and snapshot. */
public final class HostFactsCollector {
    public static final String SMT_ACTIVE = "sys/devices/system/cpu/smt/active";

    private HostFactsCollector() {
    }

    /**
     * Reads every section. The process table, the interrupt files and the rest are independent,
     * so they are read on two worker threads while this thread reads CPU and kernel facts: on a
     * cold JVM that halves the wall time of {@code kvmtune facts}. Roots are thread-safe.
     */
    public static HostFacts collect(Root root) {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "kvmtune-facts");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<List<ProcessReader.Task>> threadsF = pool.submit(() -> ProcessReader.allThreads(root));
            Future<Object[]> irqF = pool.submit(() -> new Object[] {
                InterruptsReader.read(root), SoftirqsReader.read(root), IrqAffinityReader.readDefault(root), IrqAffinityReader.read(root)});
            Future<Object[]> restF = pool.submit(() -> new Object[] {
                NumaReader.read(root), PowerReader.read(root), MemoryReader.read(root),
                SysctlReader.readAll(root, SysctlReader.PROFILE_SYSCTLS), SysctlReader.readTracing(root), BlockReader.read(root)});

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
            CpuSet isolated = isolation.kernelIsolated();

            List<ProcessReader.Task> threads = threadsF.get();
            Object[] irq = irqF.get();
            Object[] rest = restF.get();
            HostFacts.Interrupts interrupts = new HostFacts.Interrupts(
                    (InterruptsReader.Table) irq[0],
                    (SoftirqsReader.Softirqs) irq[1],
                    cast(irq[2]),
                    cast(irq[3]),
                    IrqbalanceReader.read(root, threads));
            return new HostFacts(
                    HostFacts.SCHEMA,
                    root.describe(),
                    cpu,
                    cast(rest[0]),
                    kernel,
                    isolation,
                    (PowerFacts) rest[1],
                    (MemoryFacts) rest[2],
                    cast(rest[3]),
                    (SysctlReader.Tracing) rest[4],
                    interrupts,
                    ThreadsReader.read(threads, isolated),
                    VmDiscovery.discover(root, threads),
                    cast(rest[5]),
                    new TreeMap<>(root.problems()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading facts", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
