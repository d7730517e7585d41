package dev.kvmtune.rules.core;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;

/**
 * What every setting kind and rule sees: the facts, the root they came from (for values facts do
 * not hold, such as module parameters), and the isolated CPU set with where it came from.
 */
public record AuditContext(HostFacts facts, Root root, CpuSet isolated, String isolatedSource, CpuSet housekeeping) {

    /** Replaces {@code ${isolated}} and {@code ${housekeeping}} in a profile value. */
    public String expand(String value) {
        return SettingSpec.expand(value, isolated, housekeeping);
    }

    public boolean hasIsolation() {
        return !isolated.isEmpty();
    }
}
