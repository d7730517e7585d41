package dev.kvmtune.facts.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.numa.HugepagePool;
import dev.kvmtune.facts.source.Sourced;
import java.util.List;
import java.util.Map;

/**
 * Memory facts: meminfo, swap areas, transparent hugepages, KSM and the hugepage pools.
 *
 * @param meminfo   proc/meminfo in kB (HugePages_* are counts)
 * @param swaps     active swap areas; null when unknown
 * @param thpEnabled the selected THP mode ({@code [always] madvise never} gives "always")
 * @param ksm       KSM run state and counters (Documentation/admin-guide/mm/ksm.rst)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemoryFacts(
        Map<String, Long> meminfo,
        String meminfoSource,
        List<SwapsReader.Swap> swaps,
        Sourced<String> thpEnabled,
        Sourced<String> thpDefrag,
        Ksm ksm,
        Map<Long, HugepagePool> hugepages) {

    public record Ksm(Sourced<Long> run, Sourced<Long> pagesShared, Sourced<Long> pagesSharing, Sourced<Long> mergeAcrossNodes) {
    }
}
