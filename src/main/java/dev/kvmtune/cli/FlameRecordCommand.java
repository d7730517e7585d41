package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.flame.FlameGraph;
import dev.kvmtune.flame.PerfCollapse;
import dev.kvmtune.flame.PerfRecorder;
import dev.kvmtune.util.OutputFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kvmtune flame record}: perf record -g on a VM's QEMU, then the flame graph. */
@Command(name = "record", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Profile a VM's QEMU process with the real perf (perf record -g, then perf script) and draw the flame",
            "graph. Kernel frames are marked _[k] and colored apart, so time in KVM_RUN and in QEMU's own threads both show.",
            "",
            "Examples:",
            "  sudo kvmtune flame record --vm vm1 --duration 30s -o vm1.svg",
            "  sudo kvmtune flame record --pid $(pidof qemu-system-x86_64) -o qemu.svg --folded qemu.folded"})
public final class FlameRecordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The VM to profile; --pid takes any process. */
    @Mixin
    VmTarget chosen = new VmTarget();

    @Option(names = "--duration", defaultValue = "30s", converter = Converters.Seconds.class, paramLabel = "DURATION",
            description = "How long to record (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.svg", description = "The flame graph to write.")
    Path output;

    @Option(names = "--folded", paramLabel = "FILE", description = "Also write the folded stacks (for flame diff later).")
    Path folded;

    @Option(names = {"-F", "--frequency"}, defaultValue = "99", paramLabel = "HZ", description = "Samples per second (default: ${DEFAULT-VALUE}).")
    int frequency;

    @Option(names = "--event", defaultValue = "cpu-clock", paramLabel = "EVENT",
            description = "perf event (default: ${DEFAULT-VALUE}, which works in VMs and nested hosts; 'cycles' on bare metal).")
    String event;

    @Option(names = "--perf", defaultValue = "perf", hidden = true, description = "The perf binary.")
    String perf;

    @Mixin
    FlameCommand.DrawOptions draw = new FlameCommand.DrawOptions();

    @Override
    public Integer call() throws IOException, InterruptedException {
        chosen.requireOne("flame record");
        String name = chosen.name;
        Integer pid = chosen.pid;
        if (duration.toSeconds() < 1) throw new BadInputException("--duration must be at least 1s");
        if (frequency < 1 || frequency > 100_000) throw new BadInputException("--frequency must be between 1 and 100000");
        OutputFile.check(output);
        if (folded != null) OutputFile.check(folded);
        PrintWriter err = spec.commandLine().getErr();
        long target;
        String label;
        if (name != null) {
            target = VmSelection.running(DirectoryRoot.live(), name, null).vm().pid();
            label = "VM " + name + " (QEMU pid " + target + ")";
        } else {
            target = pid;
            if (!Files.isDirectory(Path.of("/proc/" + pid))) throw new BadInputException("no process with pid " + pid);
            label = "pid " + pid;
        }
        String problem = PerfRecorder.permissionProblem(PerfRecorder.paranoid(Path.of("/proc/sys/kernel/perf_event_paranoid")), privileged());
        if (problem != null) throw new BadInputException(problem);
        FlameGraph.Options o = draw.options("Flame Graph: " + label, event + ", " + frequency + " Hz, " + duration.toSeconds() + " s", spec);

        Path work = Files.createTempDirectory("kvmtune-flame-");
        // Ctrl-C or SIGTERM: perf (and its sleep) stopped, the recording deleted; finally blocks do not run then
        Thread cleanup = new Thread(() -> {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            ProcessHandle.current().descendants().forEach(h -> h.onExit().completeOnTimeout(h, 5, java.util.concurrent.TimeUnit.SECONDS).join());
            deleteTree(work);
        }, "kvmtune-flame-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            PerfRecorder.Options po = new PerfRecorder.Options(perf, event, frequency, duration, work);
            err.printf("kvmtune: recording %s with perf (%s, %d Hz, call graphs) for %ds%n", label, event, frequency, duration.toSeconds());
            err.flush();
            SecondsProgress progress = new SecondsProgress(err, duration.toSeconds());
            Path data = PerfRecorder.record(target, po, progress);
            progress.done();
            PerfCollapse c = PerfRecorder.collapse(data, po, new PerfCollapse.Options(false, false, true, true, false, null),
                    m -> err.println("kvmtune: perf script: " + m));
            if (c.stacks().isEmpty()) {
                throw new KvmtuneException(ExitCodes.FINDINGS, "perf took no samples of " + label + " in " + duration.toSeconds()
                        + " s (an idle process is never on a CPU; try a longer --duration or load the VM)");
            }
            if (folded != null) {
                OutputFile.write(folded, c::write);
            }
            FlameGraph g = new FlameGraph(o);
            g.addAll(c.stacks());
            FlameCommand.writeSvg(g, output, spec.commandLine().getOut());
            err.println("kvmtune: wrote " + output + " (" + c.samples() + " sample" + (c.samples() == 1 ? "" : "s") + ", "
                    + c.stacks().size() + " distinct stack" + (c.stacks().size() == 1 ? "" : "s") + "; widths are " + event + " periods)"
                    + (folded != null ? " and " + folded : ""));
            err.flush();
            return ExitCodes.OK;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException gone) {
            // already removed
        }
    }

    /** Effective uid 0, or CAP_PERFMON (38) or CAP_SYS_ADMIN (21) in the effective set. */
    private static boolean privileged() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:") && line.split("\\s+")[2].equals("0")) return true;
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    if ((caps & (1L << 38 | 1L << 21)) != 0) return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
