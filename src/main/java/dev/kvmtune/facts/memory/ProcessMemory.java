package dev.kvmtune.facts.memory;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One process's memory as smem counts it (seed 000): RSS counts every resident page, PSS shares each
 * shared page out among its users, USS is what the process alone holds (Private_Clean +
 * Private_Dirty). Hugetlb pages (a hugepage-backed VM's RAM) are counted by the kernel in none of RSS,
 * PSS and USS, so they are given apart. A value the source does not give is absent, not zero.
 *
 * @param name    the command name (comm, from {@code stat}), as smem's "name" column
 * @param values  the sizes read, by column
 * @param numa    pages per NUMA node from {@code numa_maps}, when read
 * @param source  the file the sizes came from
 * @param note    why a value is missing or comes from a cheaper source, when one is
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"pid", "user", "name", "command"})
public record ProcessMemory(int pid, String user, String name, String command, @JsonIgnore Map<MemColumn, Long> values,
                            @JsonIgnore NumaMaps numa, String source, String note) {

    public Long get(MemColumn c) {
        return values.get(c);
    }

    /** kB per NUMA node, hugetlb included; absent when numa_maps was not read. */
    public Map<Integer, Long> getNodeKb() {
        return numa == null ? null : numa.kbByNode();
    }

    @JsonAnyGetter
    Map<String, Object> sizes() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (MemColumn c : MemColumn.values()) {
            Long v = values.get(c);
            if (v != null) m.put(c.jsonName(), v);
        }
        return m;
    }
}
