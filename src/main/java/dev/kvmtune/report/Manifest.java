package dev.kvmtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code manifest.json} of a measurement bundle: which kvmtune made it, on which host and when,
 * which VMs it watched, and each part with its state. It is rewritten after every step, so a run
 * stopped by Ctrl-C or a crash still says what finished and what did not.
 *
 * @param format   "kvmtune-measure/1"
 * @param complete true once every step has ended (done, failed or skipped)
 * @param interrupted true when Ctrl-C (or SIGTERM) stopped the run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(String format, String tool, String version, Host host, String started, String finished, double durationSeconds,
                       List<VmRef> vms, List<Step> steps, boolean complete, boolean interrupted) {

    public static final String FORMAT = "kvmtune-measure/1";

    /** The host as the run saw it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Host(String hostname, String kernel, String arch, String cmdline) {
    }

    /** A VM the run watched: its name, QEMU pid, and the name its files carry. */
    public record VmRef(String name, int pid, String fileName) {
    }

    /** What became of a step. */
    public enum Status { pending, running, done, failed, skipped, interrupted, not_run }

    /**
     * One part of the run.
     *
     * @param part    snapshot, facts, audit, mem, journal, ticks, irq, exits, threads, perf-sched, flame, latency
     * @param vm      the VM for per-VM parts
     * @param command the kvmtune command line that makes the same file by hand
     * @param files   the files it wrote, relative to the bundle
     * @param exit    the command's exit code (3 is findings or a failed verdict, still data)
     * @param reason  why it was skipped, failed or not run
     * @param log     its diagnostics, relative to the bundle
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(String part, String vm, Status status, String command, List<String> files, Integer exit, Double seconds,
                       String reason, String log) {
        public Step with(Status s, Integer exitCode, Double secs, String why) {
            return new Step(part, vm, s, command, files, exitCode, secs, why, log);
        }
    }
}
