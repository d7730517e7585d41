package dev.kvmtune.facts.numa;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Unknown;
import java.util.List;
import java.util.Map;

/**
 * One NUMA node from {@code sys/devices/system/node/nodeN}
 * (Documentation/ABI/stable/sysfs-devices-node).
 *
 * @param memTotalKb MemTotal of the node's meminfo, -1 when unknown
 * @param memFreeKb  MemFree, -1 when unknown
 * @param distances  SLIT distances to every node, in node order
 * @param hugepages  per page size in kB: total, free, surplus
 */
public record NumaNode(int id, CpuSet cpus, @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) long memTotalKb,
                       @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) long memFreeKb, List<Integer> distances,
                       Map<Long, HugepagePool> hugepages, String source) {
}
