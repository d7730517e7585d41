package dev.kvmtune.facts.cpu;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Unknown;

/**
 * One cache seen by one CPU, from {@code sys/devices/system/cpu/cpuN/cache/indexM/}
 * (Documentation/ABI/testing/sysfs-devices-system-cpu).
 *
 * @param level     1, 2, 3
 * @param type      Data, Instruction, Unified
 * @param sizeBytes size; -1 when unknown
 * @param ways      ways of associativity; -1 when unknown
 * @param sharedCpus CPUs sharing this cache instance
 */
public record CpuCache(int level, String type, @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) long sizeBytes, @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int ways, CpuSet sharedCpus, String source) {

    /** The name lscpu prints: L1d, L1i, L2, L3. */
    public String lscpuName() {
        if (level == 1 && "Data".equals(type)) return "L1d";
        if (level == 1 && "Instruction".equals(type)) return "L1i";
        return "L" + level;
    }
}
