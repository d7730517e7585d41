package dev.kvmtune.exits;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kvmtune.exits.ExitProfile.CounterRow;
import dev.kvmtune.exits.ExitProfile.MsrRow;
import dev.kvmtune.exits.ExitProfile.ReasonRow;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An exit profile with what a reader wants from it: each reason's share and rate, each counter's
 * rate, the MSR breakdown with shares of all MSR accesses, per-vCPU totals, and the diagnosis.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"input", "format", "isa", "seconds", "secondsFrom", "events", "eventsPerSecond", "reasons", "counters", "msrs",
        "perVcpu", "diagnosis", "vm", "sources", "unknownLines", "notes"})
public record ExitReport(String input, String format, String isa, Double seconds, String secondsFrom, long events, Double eventsPerSecond,
                         List<Reason> reasons, List<Counter> counters, List<Msr> msrs, List<Vcpu> perVcpu,
                         List<ExitDiagnosis.Finding> diagnosis, VmContext vm, List<ExitProfile.Source> sources, long unknownLines,
                         List<String> notes) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"reason", "code", "kind", "count", "share", "perSecond", "timedCount", "minUs", "avgUs", "maxUs", "timeShare"})
    public record Reason(String reason, Long code, String kind, long count, double share, Double perSecond, Long timedCount,
                         Double minUs, Double avgUs, Double maxUs, Double timeShare) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Counter(String name, long delta, Double perSecond, Map<String, Long> perVcpu) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Msr(String msr, String name, long reads, long writes, long unspecified, double share, Double perSecond) {
    }

    /** One vCPU or thread: its exits and its three most frequent reasons. */
    public record Vcpu(String vcpu, long events, Double perSecond, Map<String, Long> top) {
    }

    public static ExitReport of(ExitProfile p, boolean perVcpu) {
        Double s = p.seconds() != null && p.seconds() > 0 ? p.seconds() : null;
        long events = p.events();
        double totalTime = 0;
        for (ReasonRow r : p.reasons()) {
            if (r.avgUs() != null && r.timedCount() != null) totalTime += r.avgUs() * r.timedCount();
        }
        List<Reason> rows = new ArrayList<>();
        for (ReasonRow r : p.reasons()) {
            Double ts = r.avgUs() != null && totalTime > 0 ? round(100 * r.avgUs() * r.timedCount() / totalTime) : null;
            rows.add(new Reason(r.reason(), r.code(), r.kind(), r.count(), events == 0 ? 0 : round(100.0 * r.count() / events), rate(r.count(), s),
                    r.timedCount(), r.minUs(), r.avgUs(), r.maxUs(), ts));
        }
        List<Counter> counters = new ArrayList<>();
        for (CounterRow c : p.counters()) counters.add(new Counter(c.name(), c.delta(), rate(c.delta(), s), perVcpu ? c.perVcpu() : null));
        long msrTotal = p.msrs().stream().mapToLong(MsrRow::total).sum();
        List<Msr> msrs = new ArrayList<>();
        for (MsrRow m : p.msrs()) {
            msrs.add(new Msr(m.msr(), m.name(), m.reads(), m.writes(), m.unspecified(), msrTotal == 0 ? 0 : round(100.0 * m.total() / msrTotal),
                    rate(m.total(), s)));
        }
        List<Vcpu> vcpus = null;
        if (perVcpu) {
            Map<String, Map<String, Long>> by = new TreeMap<>(ExitReport::compareSlots);
            for (ReasonRow r : p.reasons()) {
                if (r.perVcpu() == null) continue;
                r.perVcpu().forEach((v, n) -> by.computeIfAbsent(v, k -> new LinkedHashMap<>()).merge(r.reason(), n, Long::sum));
            }
            if (by.isEmpty()) {
                // Counters only (QMP, debugfs): each vCPU's exits and its largest exit counters.
                for (CounterRow c : p.counters()) {
                    if (c.perVcpu() == null || c.name().equals("insn_emulation") || !c.name().endsWith("exits")) continue;
                    c.perVcpu().forEach((v, n) -> by.computeIfAbsent(v, k -> new LinkedHashMap<>()).merge(c.name(), n, Long::sum));
                }
            }
            vcpus = new ArrayList<>();
            for (var e : by.entrySet()) {
                Long all = e.getValue().remove("exits");
                long n = all != null ? all : e.getValue().values().stream().mapToLong(Long::longValue).sum();
                e.getValue().values().removeIf(x -> x == 0);
                Map<String, Long> top = new LinkedHashMap<>();
                e.getValue().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                        .limit(3).forEach(x -> top.put(x.getKey(), x.getValue()));
                vcpus.add(new Vcpu(e.getKey(), n, rate(n, s), top));
            }
        }
        return new ExitReport(p.input(), p.format(), p.isa(), s, s == null ? null : p.secondsFrom(), events, rate(events, s), rows, counters, msrs, vcpus,
                ExitDiagnosis.diagnose(p), p.vm(), p.sources(), p.unknownLines(), p.notes());
    }

    /** "vcpu 2 ..." before "vcpu 10 ...", then threads by tid. */
    static int compareSlots(String a, String b) {
        long na = slotNumber(a);
        long nb = slotNumber(b);
        int c = Long.compare(na, nb);
        return c != 0 ? c : a.compareTo(b);
    }

    private static long slotNumber(String s) {
        String[] f = s.split(" ");
        long base = s.startsWith("vcpu") ? 0 : 1L << 40;
        if (f.length < 2) return base;
        return base + Math.max(0, Numbers.parseLong(f[1], 0));
    }

    static Double rate(long n, Double seconds) {
        return seconds == null ? null : round(n / seconds);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
