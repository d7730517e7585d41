package dev.kvmtune.facts.memory;

import dev.kvmtune.facts.numa.HugepagePool;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;

/**
 * Reads memory facts: {@code proc/meminfo}, {@code proc/swaps},
 * {@code sys/kernel/mm/transparent_hugepage/{enabled,defrag}}
 * (Documentation/admin-guide/mm/transhuge.rst), {@code sys/kernel/mm/ksm/*} and
 * {@code sys/kernel/mm/hugepages}.
 */
public final class MemoryReader {
    public static final String THP = "sys/kernel/mm/transparent_hugepage";
    public static final String KSM = "sys/kernel/mm/ksm";
    public static final String HUGEPAGES = "sys/kernel/mm/hugepages";

    private MemoryReader() {
    }

    public static MemoryFacts read(Root root) {
        return new MemoryFacts(
                MeminfoReader.read(root),
                MeminfoReader.PATH,
                SwapsReader.read(root),
                Sourced.read(root, THP + "/enabled", MemoryReader::selected),
                Sourced.read(root, THP + "/defrag", MemoryReader::selected),
                new MemoryFacts.Ksm(
                        Sourced.number(root, KSM + "/run"),
                        Sourced.number(root, KSM + "/pages_shared"),
                        Sourced.number(root, KSM + "/pages_sharing"),
                        Sourced.number(root, KSM + "/merge_across_nodes")),
                HugepagePool.readAll(root, HUGEPAGES));
    }

    /**
     * The bracketed choice of a sysfs selection file, {@code always [madvise] never} gives
     * "madvise"; the same format serves THP, the I/O scheduler and cpuidle governors.
     */
    public static String selected(String text) {
        int open = text.indexOf('[');
        int close = text.indexOf(']', open + 1);
        if (open < 0 || close < 0) return null;
        return text.substring(open + 1, close);
    }
}
