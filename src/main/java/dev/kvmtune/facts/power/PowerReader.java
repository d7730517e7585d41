package dev.kvmtune.facts.power;

import dev.kvmtune.facts.cpu.CpuTopologyReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads cpuidle, cpufreq, intel_pstate and clocksource files under {@code sys/devices/system}. */
public final class PowerReader {
    public static final String CPUIDLE = "sys/devices/system/cpu/cpuidle";
    public static final String PSTATE = "sys/devices/system/cpu/intel_pstate/status";
    public static final String CLOCKSOURCE = "sys/devices/system/clocksource/clocksource0";

    private PowerReader() {
    }

    public static PowerFacts read(Root root) {
        Sourced<String> governor = Sourced.text(root, CPUIDLE + "/current_governor");
        if (!governor.isPresent()) governor = Sourced.text(root, CPUIDLE + "/current_governor_ro");
        List<PowerFacts.CpuPower> cpus = new ArrayList<>();
        for (int cpu : CpuTopologyReader.cpuNumbers(root)) {
            String dir = CpuTopologyReader.CPU_DIR + "/cpu" + cpu;
            List<PowerFacts.IdleState> states = new ArrayList<>();
            for (String st : root.list(dir + "/cpuidle")) {
                if (!st.startsWith("state")) continue;
                int idx = (int) Numbers.parseLong(st.substring(5), -1);
                if (idx < 0) continue;
                String d = dir + "/cpuidle/" + st;
                states.add(new PowerFacts.IdleState(idx,
                        root.read(d + "/name").map(String::strip).orElse(null),
                        root.read(d + "/latency").map(s -> Numbers.parseLong(s, -1)).orElse(-1L),
                        root.read(d + "/disable").map(s -> s.strip().equals("1")).orElse(false),
                        d));
            }
            states.sort((a, b) -> Integer.compare(a.index(), b.index()));
            cpus.add(new PowerFacts.CpuPower(cpu, states,
                    root.read(dir + "/cpufreq/scaling_driver").map(String::strip).orElse(null),
                    root.read(dir + "/cpufreq/scaling_governor").map(String::strip).orElse(null)));
        }
        return new PowerFacts(
                Sourced.text(root, CPUIDLE + "/current_driver"),
                governor,
                cpus,
                Sourced.text(root, PSTATE),
                Sourced.text(root, CLOCKSOURCE + "/current_clocksource"),
                Sourced.read(root, CLOCKSOURCE + "/available_clocksource", s -> Arrays.asList(s.split("\\s+"))));
    }
}
