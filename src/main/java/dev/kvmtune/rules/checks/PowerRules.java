package dev.kvmtune.rules.checks;

import dev.kvmtune.facts.power.PowerFacts;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Frequency scaling: the cpufreq governor of every CPU. */
final class PowerRules {
    private PowerRules() {
    }

    static final class GovernorPerformance implements Rule {
        public String id() {
            return "power.cpufreq_performance";
        }

        public List<Finding> check(AuditContext ctx) {
            Map<String, List<Integer>> byGovernor = new TreeMap<>();
            for (PowerFacts.CpuPower c : ctx.facts().power().cpus()) {
                if (c.cpufreqGovernor() != null) byGovernor.computeIfAbsent(c.cpufreqGovernor(), g -> new ArrayList<>()).add(c.cpu());
            }
            String title = "Every CPU runs the performance cpufreq governor";
            String why = "Other governors lower the clock when a CPU looks idle and raise it only after load appears, so "
                    + "the first microseconds of work after a wake-up run slow. performance keeps the highest frequency at "
                    + "the cost of power.";
            String ref = "Documentation/admin-guide/pm/cpufreq.rst; tuned latency-performance and throughput-performance [cpu] governor";
            if (byGovernor.isEmpty()) {
                return List.of(Rules.finding(id(), Severity.INFO, "power")
                        .title(title)
                        .why(why)
                        .evidence(List.of("sys/devices/system/cpu/cpu*/cpufreq/scaling_governor: absent on every CPU"))
                        .expected("performance")
                        .actual("no cpufreq driver (a VM, or firmware controls the frequency)")
                        .fix(null)
                        .reboot(false)
                        .reference(ref)
                        .build());
            }
            List<String> evidence = new ArrayList<>();
            byGovernor.forEach((g, cpus) -> evidence.add("cpufreq/scaling_governor = " + g + " on CPUs " + cpus));
            boolean ok = byGovernor.size() == 1 && byGovernor.containsKey("performance");
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.WARN, "power")
                    .title(title)
                    .why(why)
                    .evidence(evidence)
                    .expected("performance")
                    .actual(String.join(", ", byGovernor.keySet()))
                    .fix(ok ? null : new Finding.Fix("cpupower frequency-set -g performance (or echo performance > /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor)",
                            "a tuned [cpu] governor=performance line, or a systemd unit running cpupower at boot"))
                    .reboot(false)
                    .reference(ref)
                    .build());
        }
    }
}
