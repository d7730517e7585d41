package dev.kvmtune.facts.cpu;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Unknown;
import java.util.List;

/**
 * Where one logical CPU sits. Ids are -1 when the kernel does not expose them (offline CPUs have no
 * topology directory; die_id and cluster_id are newer than some kernels); the JSON leaves them out.
 *
 * @param siblings  SMT siblings including itself (thread_siblings_list / core_cpus_list)
 * @param node      NUMA node, -1 without NUMA information
 * @param capacity  the scheduler's capacity of the CPU ({@code cpu_capacity}, 1024 for the fastest;
 *                  arm64 and riscv from the firmware's tables), -1 where the kernel has no such file
 * @param coreType  Intel hybrid parts: {@code performance} for the CPUs in
 *                  {@code sys/devices/cpu_core/cpus}, {@code efficiency} for {@code cpu_atom}; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CpuTopology(
        int cpu,
        boolean online,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int packageId,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int dieId,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int clusterId,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int coreId,
        CpuSet siblings,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int node,
        List<CpuCache> caches,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int capacity,
        String coreType,
        String source) {
}
