package dev.kvmtune.facts.power;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Sourced;
import java.util.List;

/**
 * Power management that decides wake-up latency: cpuidle driver, governor and states per CPU
 * (Documentation/admin-guide/pm/cpuidle.rst), cpufreq driver and governor per CPU
 * (Documentation/admin-guide/pm/cpufreq.rst), intel_pstate status
 * (Documentation/admin-guide/pm/intel_pstate.rst), and the clocksource.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PowerFacts(
        Sourced<String> cpuidleDriver,
        Sourced<String> cpuidleGovernor,
        List<CpuPower> cpus,
        Sourced<String> intelPstate,
        Sourced<String> clocksource,
        Sourced<List<String>> availableClocksources) {

    /** One idle state: name, exit latency in µs, disabled flag. */
    public record IdleState(int index, String name, long latencyUs, boolean disabled, String source) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuPower(int cpu, List<IdleState> idleStates, String cpufreqDriver, String cpufreqGovernor) {
    }
}
