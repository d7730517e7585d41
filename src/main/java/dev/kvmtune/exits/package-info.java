/**
 * VM exits (seed 001): the exit-reason and MSR tables, one parser per input format (perf kvm stat
 * report, perf script / trace-cmd / ftrace kvm_exit lines, systemtap counts, hist triggers,
 * kvm_stat logs, kvmtune's own recordings), the aggregate they all produce ({@link
 * dev.kvmtune.exits.ExitProfile}), the report with its diagnosis, the diff chart, and the recorder
 * (tracefs, QMP query-stats, debugfs).
 */
package dev.kvmtune.exits;
