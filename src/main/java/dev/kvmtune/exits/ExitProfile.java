package dev.kvmtune.exits;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * What one input says about VM exits, whatever its format: counts per reason (per vCPU or thread
 * when the input has them, time in exit when it pairs exits with entries), KVM counters (QMP
 * query-stats, debugfs, kvm_stat), and MSR accesses. It is also kvmtune's recording format: {@code
 * exits record} writes it as JSON with {@code "kvmtune": "exits/1"}, and {@code exits report}
 * reads it back like any other input.
 *
 * @param format       the input's format: perf-kvm-stat, perf-script, trace-cmd, ftrace, systemtap,
 *                     hist-trigger, kvm_stat-log, kvm_stat-csv, recording
 * @param sources      where a recording's data came from (tracefs, qmp, debugfs) with what each yielded
 * @param seconds      how long the input covers; null when neither timestamps nor a duration say
 * @param secondsFrom  timestamps, recording, kvm_stat intervals or --duration
 * @param events       exits counted (the sum of the reasons' counts)
 * @param unknownLines lines no parser understood
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"kvmtune", "input", "format", "sources", "isa", "seconds", "secondsFrom", "vm", "events", "reasons",
        "counters", "msrs", "unknownLines", "notes"})
public record ExitProfile(
        String kvmtune,
        String input,
        String format,
        List<Source> sources,
        String isa,
        Double seconds,
        String secondsFrom,
        VmContext vm,
        long events,
        List<ReasonRow> reasons,
        List<CounterRow> counters,
        List<MsrRow> msrs,
        long unknownLines,
        List<String> notes) {

    public static final String MARKER = "exits/1";

    /**
     * One exit reason.
     *
     * @param perVcpu    count by {@code vcpu N} or {@code tid N (comm)}; empty when the input has none
     * @param timedCount exits whose matching entry was seen (the base of min/avg/max)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"reason", "isa", "code", "kind", "count", "perVcpu", "timedCount", "minUs", "avgUs", "maxUs"})
    public record ReasonRow(String reason, String isa, Long code, String kind, long count, Map<String, Long> perVcpu,
                            Long timedCount, Double minUs, Double avgUs, Double maxUs) {
    }

    /** A KVM statistic's change over the recording (exits, halt_exits, io_exits ...), in total and per vCPU. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CounterRow(String name, long delta, Map<String, Long> perVcpu) {
    }

    /** MSR accesses by index; {@code unspecified} when the input does not say read or write (systemtap). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MsrRow(String msr, String name, long reads, long writes, long unspecified) {
        public long total() {
            return reads + writes + unspecified;
        }
    }

    /** A recording source and what it gave (or why it gave nothing). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String name, String status, String detail) {
    }

    public ExitProfile withVm(VmContext context) {
        return new ExitProfile(kvmtune, input, format, sources, isa, seconds, secondsFrom, context, events, reasons, counters, msrs,
                unknownLines, notes);
    }

    public ExitProfile withSeconds(Double s, String from) {
        return new ExitProfile(kvmtune, input, format, sources, isa, s, from, vm, events, reasons, counters, msrs, unknownLines, notes);
    }

    public ExitProfile withInput(String name) {
        return new ExitProfile(kvmtune, name, format, sources, isa, seconds, secondsFrom, vm, events, reasons, counters, msrs,
                unknownLines, notes);
    }
}
