package dev.kvmtune.facts.cpu;

import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The online CPUs grouped by how fast their cores are, fastest first: Intel hybrid parts by core
 * type (performance before efficiency), arm64 big.LITTLE and riscv by the scheduler's
 * {@code cpu_capacity}. A host whose CPUs are all alike, or that says nothing, has one class.
 *
 * @param classes fastest first; one entry when the cores are alike
 */
public record CoreClasses(List<CoreClass> classes) {

    /**
     * @param label    "performance" / "efficiency", or "capacity N"; "uniform" for a host of one kind
     * @param rank     larger is faster (the capacity, or 1 / 0 for performance / efficiency)
     */
    public record CoreClass(String label, int rank, CpuSet cpus) {
    }

    public static CoreClasses of(List<CpuTopology> cpus) {
        Map<Integer, CpuSet> byRank = new TreeMap<>(Comparator.reverseOrder());
        Map<Integer, String> labels = new TreeMap<>();
        boolean hybrid = cpus.stream().anyMatch(c -> c.online() && c.coreType() != null);
        for (CpuTopology c : cpus) {
            if (!c.online()) continue;
            int rank;
            String label;
            if (hybrid) {
                rank = "performance".equals(c.coreType()) ? 1 : 0;
                label = c.coreType() == null ? "unknown type" : c.coreType();
            } else if (c.capacity() >= 0) {
                rank = c.capacity();
                label = "capacity " + c.capacity();
            } else {
                rank = -1;
                label = "uniform";
            }
            byRank.merge(rank, CpuSet.of(c.cpu()), CpuSet::union);
            labels.put(rank, label);
        }
        List<CoreClass> out = new ArrayList<>();
        byRank.forEach((rank, set) -> out.add(new CoreClass(byRank.size() == 1 ? "uniform" : labels.get(rank), rank, set)));
        return new CoreClasses(List.copyOf(out));
    }

    /** More than one kind of core is online. */
    public boolean heterogeneous() {
        return classes.size() > 1;
    }

    /** The online CPUs of the fastest kind (all online CPUs on a uniform host). */
    public CpuSet fastest() {
        return classes.isEmpty() ? CpuSet.EMPTY : classes.get(0).cpus();
    }

    /** The rank of a CPU's class, or Integer.MIN_VALUE for a CPU that is not online. */
    public int rankOf(int cpu) {
        for (CoreClass c : classes) if (c.cpus().contains(cpu)) return c.rank();
        return Integer.MIN_VALUE;
    }

    /** "performance 0-7, efficiency 8-15" / "capacity 1024 4-7, capacity 578 0-3". */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (CoreClass c : classes) b.append(b.length() == 0 ? "" : ", ").append(c.label()).append(' ').append(c.cpus().toList());
        return b.toString();
    }
}
