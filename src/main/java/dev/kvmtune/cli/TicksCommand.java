package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.kernel.KernelConfigReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.latency.TickSampler;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune ticks}: timer ticks and IPIs per CPU per second (seed 000's isolation test). */
@Command(name = "ticks", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Count timer ticks (LOC), IPIs (RES, CAL, TLB) and device interrupts per CPU per second",
            "from /proc/interrupts over an interval, and judge the isolated CPUs: a nohz_full CPU running one",
            "task takes at most about 10 ticks a second, one that still ticks about CONFIG_HZ. kvmtune moves",
            "itself to the other CPUs first, so it does not disturb what it measures.",
            "",
            "Example:",
            "  kvmtune ticks --interval 10s --cpus 2-3"})
public final class TicksCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--interval", defaultValue = "10s", converter = Converters.Seconds.class,
            description = "How long to count (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--cpus", paramLabel = "LIST", converter = Converters.Cpus.class,
            description = "CPUs to judge (default: the kernel's isolated or nohz_full CPUs).")
    CpuSet cpus;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Duration d = interval;
        if (d.toMillis() < 100) throw new BadInputException("--interval must be at least 100ms");
        DirectoryRoot root = DirectoryRoot.live();
        CpuSet online = root.read("sys/devices/system/cpu/online").map(s -> CpuSet.parseList(s.strip())).orElse(CpuSet.EMPTY);
        CpuSet judged;
        String source;
        if (cpus != null) {
            CpuSet notOnline = online.isEmpty() ? CpuSet.EMPTY : cpus.minus(online);
            if (!notOnline.isEmpty()) {
                throw new BadInputException("--cpus " + cpus + ": CPU" + (notOnline.size() == 1 ? " " : "s ") + notOnline + " "
                        + (notOnline.size() == 1 ? "is" : "are") + " not online here (online: " + online + ")");
            }
            judged = cpus;
            source = "--cpus";
        } else {
            judged = IsolationReader.kernelIsolated(root);
            source = judged.isEmpty() ? "none: no isolated or nohz_full CPUs (give --cpus)" : "kernel (nohz_full / isolated)";
        }
        var err = spec.commandLine().getErr();
        CpuSet housekeeping = online.minus(judged);
        CpuSet myAffinity = ProcessReader.process(root, (int) ProcessHandle.current().pid()).map(ProcessReader.Task::allowed).orElse(null);
        boolean moved = false;
        if (!judged.isEmpty() && !housekeeping.isEmpty()) {
            moved = taskset(housekeeping);
            if (!moved) err.println("kvmtune: could not move myself to CPUs " + housekeeping + " with taskset; measuring from where I run");
        }
        String release = root.read("proc/sys/kernel/osrelease").map(String::strip).orElse("");
        var config = KernelConfigReader.read(root, release);
        Integer hz = config == null || config.options().get("CONFIG_HZ") == null ? null
                : (int) Numbers.parseLong(config.options().get("CONFIG_HZ"), 0);
        try {
            return measure(root, d, judged, source, hz);
        } finally {
            if (moved && myAffinity != null) taskset(myAffinity);
        }
    }

    private int measure(DirectoryRoot root, Duration d, CpuSet judged, String source, Integer hz) throws InterruptedException {
        var err = spec.commandLine().getErr();
        InterruptsReader.Table before = InterruptsReader.read(root);
        if (before == null) throw new BadInputException("proc/interrupts is not readable");
        long t0 = System.nanoTime();
        err.printf("kvmtune: counting interrupts for %.1fs%n", d.toMillis() / 1000.0);
        err.flush();
        Thread.sleep(d.toMillis());
        InterruptsReader.Table after = InterruptsReader.read(root);
        double secs = (System.nanoTime() - t0) / 1e9;
        TickSampler.Result r = TickSampler.rates(before, after, secs, judged, hz, source);
        var out = spec.commandLine().getOut();
        if (parent.format == OutputFormat.json) {
            out.print(Json.write(r));
        } else {
            out.printf(Locale.ROOT, "Interrupts per second over %.1fs (CONFIG_HZ=%s); judged CPUs: %s (%s)%n", r.seconds(),
                    hz == null ? "unknown" : hz, judged.isEmpty() ? "none" : judged.toList(), source);
            out.printf(Locale.ROOT, "  %-4s %9s %9s %9s %9s %9s  %s%n", "cpu", "LOC", "RES", "CAL", "TLB", "devices", "");
            for (TickSampler.CpuRates c : r.cpus()) {
                out.printf(Locale.ROOT, "  %-4d %9s %9s %9s %9s %9.1f  %s%n", c.cpu(), v(c, "LOC"), v(c, "RES"), v(c, "CAL"), v(c, "TLB"),
                        c.deviceIrqsPerSecond(), c.verdict() == null ? "" : c.verdict());
            }
        }
        out.flush();
        boolean ticking = r.cpus().stream().anyMatch(c -> c.verdict() != null && !c.verdict().startsWith("tick stopped"));
        return ticking ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    /** Moves every thread of this JVM onto these CPUs; false when taskset is missing or fails. */
    static boolean taskset(CpuSet cpus) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("taskset", "-apc", cpus.toList(), Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String v(TickSampler.CpuRates c, String k) {
        Double x = c.perSecond().get(k);
        return x == null ? "-" : String.format(Locale.ROOT, "%.1f", x);
    }
}
