package dev.kvmtune.facts.cpu;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * Where one logical CPU sits. Ids are -1 when the kernel does not expose them (offline CPUs have
 * no topology directory; die_id and cluster_id are newer than some kernels).
 *
 * @param siblings  SMT siblings including itself (thread_siblings_list / core_cpus_list)
 * @param node      NUMA node, -1 without NUMA information
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CpuTopology(
        int cpu,
        boolean online,
        int packageId,
        int dieId,
        int clusterId,
        int coreId,
        CpuSet siblings,
        int node,
        List<CpuCache> caches,
        String source) {
}
