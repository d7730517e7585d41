package dev.kvmtune.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.cpu.CpuCache;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * irqbalance's view of the machine (its classify/placement tree): NUMA node, package, cache domain
 * (the CPUs sharing the last-level cache), core, CPU; each level carries the sum of its CPUs' load.
 * Load is irqbalance's measure, the hard plus soft IRQ time of each CPU from proc/stat (percent of
 * one CPU); the device IRQs each took are given beside it, since that time is zero on kernels
 * without CONFIG_IRQ_TIME_ACCOUNTING.
 *
 * @param load       irq + softirq time in percent of one CPU; absent with one reading
 * @param deviceIrqs device IRQs (per second with two readings)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IrqTree(String level, String id, String cpus, Double load, double deviceIrqs, List<IrqTree> children) {

    public static IrqTree build(List<CpuTopology> topology, List<IrqReport.CpuRow> rows) {
        Map<Integer, IrqReport.CpuRow> byCpu = new TreeMap<>();
        for (IrqReport.CpuRow r : rows) byCpu.put(r.cpu(), r);
        List<CpuTopology> online = topology.stream().filter(t -> t.online() && byCpu.containsKey(t.cpu())).toList();
        return level("machine", "", online, byCpu, List.of(
                t -> "node " + (t.node() < 0 ? "-" : t.node()),
                t -> "package " + (t.packageId() < 0 ? "-" : t.packageId()),
                t -> "cache " + llc(t),
                t -> "core " + (t.coreId() < 0 ? t.cpu() : t.coreId()),
                t -> "cpu " + t.cpu()));
    }

    private static IrqTree level(String level, String id, List<CpuTopology> cpus, Map<Integer, IrqReport.CpuRow> byCpu,
                                 List<Function<CpuTopology, String>> below) {
        List<IrqTree> children = new ArrayList<>();
        if (!below.isEmpty()) {
            Map<String, List<CpuTopology>> groups = new LinkedHashMap<>();
            for (CpuTopology t : cpus) groups.computeIfAbsent(below.get(0).apply(t), k -> new ArrayList<>()).add(t);
            for (var g : groups.entrySet()) {
                String[] lv = g.getKey().split(" ", 2);
                children.add(level(lv[0], lv[1], g.getValue(), byCpu, below.subList(1, below.size())));
            }
        }
        Double load = null;
        double dev = 0;
        for (CpuTopology t : cpus) {
            IrqReport.CpuRow r = byCpu.get(t.cpu());
            dev += r.deviceIrqs();
            if (r.irqPercent() != null && r.softirqPercent() != null) load = (load == null ? 0 : load) + r.irqPercent() + r.softirqPercent();
        }
        int[] ids = cpus.stream().mapToInt(CpuTopology::cpu).toArray();
        return new IrqTree(level, id, CpuSet.of(ids).toList(), load == null ? null : IrqReport.round(load), IrqReport.round(dev),
                children.isEmpty() ? null : children);
    }

    /** The cache domain: the CPUs sharing the CPU's highest-level cache, or the CPU alone. */
    static String llc(CpuTopology t) {
        CpuCache best = null;
        if (t.caches() != null) {
            for (CpuCache c : t.caches()) if (c.sharedCpus() != null && (best == null || c.level() > best.level())) best = c;
        }
        return best == null ? Integer.toString(t.cpu()) : best.sharedCpus().toList() + " (L" + best.level() + ")";
    }

    /** Indented text, one line per node of the tree. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        append(sb, 0);
        return sb.toString();
    }

    private void append(StringBuilder sb, int depth) {
        sb.append("  ".repeat(depth)).append(level).append(id.isEmpty() ? "" : " " + id).append("  cpus ").append(cpus)
                .append("  load ").append(load == null ? "-" : load + "%").append("  device IRQs ").append(deviceIrqs).append('\n');
        if (children != null) for (IrqTree c : children) c.append(sb, depth + 1);
    }
}
