package dev.kvmtune.latency;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000's isolation test: how many timer ticks (LOC), rescheduling IPIs (RES), function-call
 * IPIs (CAL), TLB shootdowns (TLB) and device interrupts each CPU takes per second, from two
 * readings of {@code proc/interrupts}. An isolated nohz_full CPU running one task should take at
 * most about 10 ticks a second; a CPU that still ticks takes about CONFIG_HZ.
 */
public final class TickSampler {
    public static final List<String> COUNTERS = List.of("LOC", "RES", "CAL", "TLB");
    /** A nohz_full CPU with one task keeps a residual 1 Hz tick and a few timers: at most this many LOC a second. */
    public static final double NOHZ_MAX_PER_SECOND = 10;

    private TickSampler() {
    }

    /** Rates of one CPU; {@code verdict} only for CPUs that should be isolated. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuRates(int cpu, Map<String, Double> perSecond, double deviceIrqsPerSecond, String verdict) {
    }

    public record Result(double seconds, Integer hz, String isolatedSource, List<CpuRates> cpus) {
    }

    /**
     * @param isolated CPUs to judge, may be empty
     * @param hz       CONFIG_HZ when known
     */
    public static Result rates(InterruptsReader.Table before, InterruptsReader.Table after, double seconds, CpuSet isolated,
                               Integer hz, String isolatedSource) {
        List<CpuRates> out = new ArrayList<>();
        for (int cpu : after.cpus()) {
            int ia = after.column(cpu);
            int ib = before.column(cpu);
            if (ib < 0) continue; // came online in between
            Map<String, Double> rates = new LinkedHashMap<>();
            for (String name : COUNTERS) {
                InterruptsReader.Row a = after.row(name);
                InterruptsReader.Row b = before.row(name);
                if (a == null || b == null || ia >= a.counts().length || ib >= b.counts().length) continue;
                rates.put(name, round((a.counts()[ia] - b.counts()[ib]) / seconds));
            }
            long dev = 0;
            for (InterruptsReader.Row a : after.rows()) {
                if (!a.numbered() || ia >= a.counts().length) continue;
                InterruptsReader.Row b = before.row(a.irq());
                long prev = b == null || ib >= b.counts().length ? 0 : b.counts()[ib];
                dev += Math.max(0, a.counts()[ia] - prev);
            }
            String verdict = null;
            if (isolated.contains(cpu) && rates.containsKey("LOC")) verdict = verdict(rates.get("LOC"), hz);
            out.add(new CpuRates(cpu, rates, round(dev / seconds), verdict));
        }
        return new Result(round(seconds), hz, isolatedSource, out);
    }

    static String verdict(double loc, Integer hz) {
        if (loc <= NOHZ_MAX_PER_SECOND) return "tick stopped: " + loc + "/s <= " + (int) NOHZ_MAX_PER_SECOND + "/s (nohz_full works)";
        if (hz != null && loc >= hz * 0.5) return "ticking: " + loc + "/s, about HZ=" + hz + " (not isolated from the tick)";
        return "partly ticking: " + loc + "/s (more than one task, timers, or the tick not fully stopped)";
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
