package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads IRQ affinity from {@code proc/irq} (Documentation/core-api/irq/irq-affinity.rst):
 * {@code default_smp_affinity} (a mask) and per IRQ {@code smp_affinity_list} (what was asked)
 * and {@code effective_affinity_list} (where the interrupt controller actually delivers it).
 */
public final class IrqAffinityReader {
    public static final String DIR = "proc/irq";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IrqAffinity(int irq, Sourced<CpuSet> affinity, Sourced<CpuSet> effective) {
    }

    private IrqAffinityReader() {
    }

    public static Sourced<CpuSet> readDefault(Root root) {
        return Sourced.read(root, DIR + "/default_smp_affinity", CpuSet::parseMask);
    }

    public static List<IrqAffinity> read(Root root) {
        List<Integer> irqs = new ArrayList<>();
        for (String name : root.list(DIR)) {
            long n = Numbers.parseLong(name, -1);
            if (n >= 0) irqs.add((int) n);
        }
        irqs.sort(null);
        List<IrqAffinity> out = new ArrayList<>();
        for (int irq : irqs) {
            String d = DIR + "/" + irq;
            out.add(new IrqAffinity(irq,
                    Sourced.read(root, d + "/smp_affinity_list", CpuSet::parseList),
                    Sourced.read(root, d + "/effective_affinity_list", CpuSet::parseList)));
        }
        return out;
    }
}
