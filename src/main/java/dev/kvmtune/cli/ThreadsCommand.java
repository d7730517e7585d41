package dev.kvmtune.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.proc.SchedstatReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune threads}: every thread of each QEMU with its role (seed 000's find_thread_name.sh) and its run-queue wait. */
@Command(name = "threads", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Show every thread of each running QEMU with its role: vCPU n (from 'CPU n/KVM' names, or from",
            "QMP query-cpus-fast when QEMU runs without debug-threads=on), iothread, main loop, worker, call_rcu,",
            "vnc/spice, and the vhost-PID and kvm-pit kernel threads that serve the VM; with allowed CPUs, the",
            "CPU it last ran on, policy and priority, context switches, and the time it waited runnable on a run",
            "queue (/proc/PID/task/TID/schedstat, seed 003's vCPU scheduling delay): since the thread started,",
            "or over --interval.",
            "",
            "Examples:",
            "  kvmtune threads",
            "  kvmtune threads --vm rt1 --interval 10s --format json"})
public final class ThreadsCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    VmSelection selection;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Converters.Seconds.class,
            description = "Run-queue wait over this long instead of since each thread started (live only).")
    Duration interval;

    @Override
    public Integer call() throws InterruptedException {
        try (Root root = parent.openRoot()) {
            if (interval != null && !root.isLive()) throw new BadInputException("--interval: a snapshot or --root tree holds one reading; measure on the live host");
            if (interval != null && interval.toMillis() < 100) throw new BadInputException("--interval must be at least 100ms");
            List<VmFacts> vms = selection.load(root).stream().filter(v -> v.state().equals("running")).toList();
            Map<VmThread, SchedstatReader.Reading> first = new LinkedHashMap<>();
            for (VmFacts v : vms) for (VmThread t : v.threads()) first.put(t, SchedstatReader.read(root, pidOf(v, t), t.tid()));
            Long intervalNs = null;
            Map<VmThread, SchedstatReader.Reading> last = first;
            if (interval != null) {
                long t0 = System.nanoTime();
                Thread.sleep(interval.toMillis());
                last = new LinkedHashMap<>();
                for (VmFacts v : vms) for (VmThread t : v.threads()) last.put(t, SchedstatReader.read(root, pidOf(v, t), t.tid()));
                intervalNs = System.nanoTime() - t0;
            }
            List<VmThreads> out = new ArrayList<>();
            for (VmFacts v : vms) {
                List<RunDelay> delays = new ArrayList<>();
                for (VmThread t : v.threads()) delays.add(RunDelay.of(t, first.get(t), last.get(t), intervalNs));
                out.add(new VmThreads(v.vm().name(), v.vm().pid(), v.threads(), intervalNs, delays));
            }
            PrintWriter o = spec.commandLine().getOut();
            switch (parent.format) {
                case json -> o.print(Json.write(out));
                case text, markdown -> o.print(VmText.threads(vms, out));
            }
            o.flush();
            return ExitCodes.OK;
        }
    }

    /** QEMU's own threads live under the QEMU pid; vhost-PID and kvm-pit/PID kernel threads are processes of their own. */
    private static int pidOf(VmFacts v, VmThread t) {
        return t.roleFrom().equals("kernel") || v.vm().pid() == null ? t.tid() : v.vm().pid();
    }

    /**
     * @param intervalNs the sampling interval; absent when the delays are totals since each thread started
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VmThreads(String name, Integer pid, List<VmThread> threads, Long intervalNs, List<RunDelay> runDelay) {
    }

    /**
     * One thread's run-queue wait.
     *
     * @param waitNs    time runnable but not running (schedstat's second field)
     * @param runNs     time running
     * @param waitShare waitNs over the interval (absent for totals since start)
     * @param missing   why there is no number: the file is absent (thread ended, kernel without CONFIG_SCHED_INFO) or unparseable
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RunDelay(int tid, String role, Integer vcpu, Long waitNs, Long runNs, Long timeslices, Double waitShare, String missing) {
        static RunDelay of(VmThread t, SchedstatReader.Reading a, SchedstatReader.Reading b, Long intervalNs) {
            if (a instanceof SchedstatReader.Read ra && b instanceof SchedstatReader.Read rb) {
                SchedstatReader.Schedstat s = intervalNs == null ? rb.value() : rb.value().since(ra.value());
                Double share = intervalNs == null || intervalNs <= 0 ? null : (double) s.waitNs() / intervalNs;
                return new RunDelay(t.tid(), t.role(), t.vcpu(), s.waitNs(), s.runNs(), s.timeslices(), share, null);
            }
            SchedstatReader.Reading bad = a instanceof SchedstatReader.Read ? b : a;
            String why = bad instanceof SchedstatReader.Unparseable x
                    ? x.path() + " does not read as three numbers: " + x.text().strip()
                    : ((SchedstatReader.Absent) bad).path() + " is absent (the thread ended, or the kernel lacks CONFIG_SCHED_INFO)";
            return new RunDelay(t.tid(), t.role(), t.vcpu(), null, null, null, null, why);
        }
    }
}
