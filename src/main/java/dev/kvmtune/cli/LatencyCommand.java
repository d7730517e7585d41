package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.latency.Cyclictest;
import dev.kvmtune.latency.CyclictestParser;
import dev.kvmtune.latency.CyclictestRun;
import dev.kvmtune.latency.HistogramChart;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.OutputFile;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune latency}: run cyclictest, report on its output, compare two runs. */
@Command(name = "latency", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Latency proof with cyclictest (rt-tests): run it with seed 002's settings, report",
            "percentiles from its histogram, and compare a run before and after tuning.",
            "",
            "Examples:",
            "  kvmtune latency run --cpus 2-3 --duration 10m -o before",
            "  kvmtune latency report before.txt --max-us 50",
            "  kvmtune latency diff before.txt after.txt -o chart.svg"})
public final class LatencyCommand implements Runnable {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static CyclictestRun read(Path file) {
        return CyclictestParser.parse(InputFiles.readText(file, SmallFiles.CYCLICTEST, "cyclictest output or --json"), file.toString());
    }

    @Command(name = "run", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Run cyclictest: memory locked, SCHED_FIFO, one thread pinned to each chosen CPU, a",
                "histogram. Keeps cyclictest's own output (BASE.txt, and BASE.cyclictest.json on rt-tests 2.x)",
                "beside kvmtune's parsed result (BASE.json). Ctrl-C stops it early and still writes the result.",
                "",
                "Example:",
                "  kvmtune latency run --cpus 1 --duration 30s -o /tmp/before -- --mainaffinity=0"})
    static final class Run implements Callable<Integer> {
        @ParentCommand
        LatencyCommand latency;

        @Spec
        CommandSpec spec;

        @Option(names = "--cpus", paramLabel = "LIST", converter = Converters.Cpus.class,
                description = "CPUs to measure, one thread each (default: the isolated CPUs, else all online).")
        CpuSet cpus;

        @Option(names = "--duration", defaultValue = "1m", converter = Converters.Seconds.class,
                description = "How long (e.g. 30s, 10m, 1h; default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(names = "--interval", defaultValue = "200us", converter = Converters.Micros.class,
                description = "Wake-up interval (default: ${DEFAULT-VALUE}).")
        Duration interval;

        @Option(names = "--priority", defaultValue = "95", description = "SCHED_FIFO priority 1-99 (default: ${DEFAULT-VALUE}).")
        int priority;

        @Option(names = "--histogram", defaultValue = "60", paramLabel = "US", description = "Histogram size in µs; 0 for none (default: ${DEFAULT-VALUE}).")
        int histogram;

        @Option(names = "--max-us", paramLabel = "N", description = "Verdict: exit 3 when any thread's max exceeds N µs.")
        Long maxUs;

        @Option(names = {"-o", "--output"}, paramLabel = "BASE", description = "Output file name without extension (default: cyclictest-TIME).")
        Path output;

        @Option(names = "--cyclictest", defaultValue = "cyclictest", hidden = true)
        String executable;

        @Parameters(paramLabel = "-- ARGS", description = "Extra cyclictest arguments after --.")
        List<String> extra = new ArrayList<>();

        @Override
        public Integer call() throws IOException, InterruptedException {
            Duration d = duration;
            Duration i = interval;
            if (d.toSeconds() < 1) throw new BadInputException("--duration must be at least 1s");
            if (i.toNanos() < 1000) throw new BadInputException("--interval must be at least 1us");
            if (priority < 1 || priority > 99) throw new BadInputException("--priority takes 1 to 99");
            if (histogram < 0) throw new BadInputException("--histogram must not be negative");
            CpuSet set = chooseCpus();
            Path base = output != null ? output : Path.of("cyclictest-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Path raw = Path.of(base + ".txt");
            Path ctJson = Path.of(base + ".cyclictest.json");
            Path result = Path.of(base + ".json");
            // refused before the run, not after minutes of measuring
            for (Path p : List.of(raw, ctJson, result)) OutputFile.checkDerived(p);
            if (!Files.isWritable(raw.toAbsolutePath().getParent())) throw new BadInputException(base + ": directory " + raw.toAbsolutePath().getParent() + " is not writable");
            Cyclictest ct = new Cyclictest(executable);
            PrintWriter err = spec.commandLine().getErr();
            err.printf("kvmtune: cyclictest on CPUs %s for %ds, interval %dus, SCHED_FIFO %d%n", set, d.toSeconds(), i.toNanos() / 1000, priority);
            err.flush();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                ct.stop();
                try {
                    done.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "kvmtune-stop-cyclictest");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                SecondsProgress progress = new SecondsProgress(err, d.toSeconds());
                Cyclictest.Output out = ct.run(new Cyclictest.Options(set, d, i.toNanos() / 1000, priority, histogram, extra), ctJson, progress);
                progress.done();
                OutputFile.writeDerived(raw, "# " + String.join(" ", out.command()) + "\n" + out.stdout(), null);
                CyclictestRun parsed = CyclictestParser.parse(out.stdout(), raw.toString());
                OutputFile.writeDerived(result, Json.write(parsed), null);
                var o = spec.commandLine().getOut();
                Formatted.print(o, latency.parent.format, () -> parsed, () -> LatencyText.report(List.of(parsed), maxUs));
                o.flush();
                err.println("kvmtune: wrote " + raw + (out.json() != null ? ", " + ctJson : "") + ", " + result
                        + (out.interrupted() ? " (stopped early)" : ""));
                err.flush();
                return maxUs != null && !LatencyText.passes(parsed, maxUs) ? ExitCodes.FINDINGS : ExitCodes.OK;
            } finally {
                done.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and waits for 'done'
                }
            }
        }

        private CpuSet chooseCpus() {
            if (cpus != null) {
                if (cpus.isEmpty()) throw new BadInputException("--cpus is empty");
                return cpus;
            }
            var root = dev.kvmtune.facts.source.DirectoryRoot.live();
            CpuSet isolated = dev.kvmtune.facts.cpu.IsolationReader.kernelIsolated(root);
            if (!isolated.isEmpty()) return isolated;
            String online = root.read("sys/devices/system/cpu/online").map(String::strip).orElse("");
            if (online.isEmpty()) throw new BadInputException("cannot tell which CPUs are online; give --cpus");
            return CpuSet.parseList(online);
        }
    }

    @Command(name = "report", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Parse cyclictest output (text of rt-tests 1.x or 2.x, -q or not, with or without -h/-H,",
                "or a --json file) and report per thread samples, min, avg, max, percentiles from the histogram",
                "and overflows; with --max-us a verdict (exit 3 when any thread exceeds it).",
                "",
                "Example:",
                "  kvmtune latency report before.txt after.cyclictest.json --max-us 50"})
    static final class Report implements Callable<Integer> {
        @ParentCommand
        LatencyCommand latency;

        @Spec
        CommandSpec spec;

        @Option(names = "--max-us", paramLabel = "N", description = "Verdict: fail when any thread's max exceeds N µs.")
        Long maxUs;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "cyclictest output or --json files.")
        List<Path> files;

        @Override
        public Integer call() {
            List<CyclictestRun> runs = files.stream().map(LatencyCommand::read).toList();
            var o = spec.commandLine().getOut();
            Formatted.print(o, latency.parent.format, () -> runs.size() == 1 ? runs.get(0) : runs, () -> LatencyText.report(runs, maxUs));
            o.flush();
            boolean fail = maxUs != null && runs.stream().anyMatch(r -> !LatencyText.passes(r, maxUs));
            return fail ? ExitCodes.FINDINGS : ExitCodes.OK;
        }
    }

    @Command(name = "diff", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Compare two cyclictest runs side by side (seed 002: max 1475 -> 12 µs), and with -o draw",
                "their histograms in one SVG chart, counts on a log scale.",
                "",
                "Example:",
                "  kvmtune latency diff before.txt after.txt -o chart.svg"})
    static final class Diff implements Callable<Integer> {
        @ParentCommand
        LatencyCommand latency;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "BEFORE")
        Path before;

        @Parameters(index = "1", paramLabel = "AFTER")
        Path after;

        @Option(names = {"-o", "--output"}, paramLabel = "SVG", description = "Write a histogram chart here.")
        Path chart;

        @Override
        public Integer call() throws IOException {
            if (chart != null) OutputFile.check(chart);
            CyclictestRun b = read(before);
            CyclictestRun a = read(after);
            var o = spec.commandLine().getOut();
            Formatted.print(o, latency.parent.format, () -> java.util.Map.of("before", b, "after", a), () -> LatencyText.diff(b, a));
            o.flush();
            if (chart != null) {
                if (b.combinedHistogram() == null || a.combinedHistogram() == null) {
                    throw new BadInputException("a chart needs histograms in both runs (cyclictest -h); " + (b.combinedHistogram() == null ? before : after) + " has none");
                }
                OutputFile.writeText(chart, HistogramChart.svg("cyclictest latency: before and after", List.of(
                        new HistogramChart.Series("before: max " + b.max() + " µs", b.combinedHistogram(), LatencyText.overflows(b)),
                        new HistogramChart.Series("after: max " + a.max() + " µs", a.combinedHistogram(), LatencyText.overflows(a)))));
                spec.commandLine().getErr().println("kvmtune: wrote " + chart);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "trace", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Run an ftrace latency tracer for a while and report tracing_max_latency and the worst-case",
                "trace; the tracer state is put back afterwards. Exit 2 when the kernel lacks the tracer.",
                "",
                "Example:",
                "  kvmtune latency trace --tracer irqsoff --duration 30s"})
    static final class Trace implements Callable<Integer> {
        @ParentCommand
        LatencyCommand latency;

        @Spec
        CommandSpec spec;

        @Option(names = "--tracer", required = true, description = "irqsoff, preemptoff, preemptirqsoff, wakeup, wakeup_rt or wakeup_dl.")
        String tracer;

        @Option(names = "--duration", defaultValue = "30s", converter = Converters.Seconds.class,
                description = "How long to trace (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(names = "--tracefs", defaultValue = "/sys/kernel/tracing", hidden = true)
        Path tracefs;

        @Override
        public Integer call() throws IOException, InterruptedException {
            Duration d = duration;
            var t = new dev.kvmtune.latency.LatencyTracer(tracefs);
            t.check(tracer);
            spec.commandLine().getErr().printf("kvmtune: tracing with %s for %ds%n", tracer, d.toSeconds());
            var r = t.run(tracer, d);
            var o = spec.commandLine().getOut();
            Formatted.print(o, latency.parent.format, () -> r, () -> tracer + ": tracing_max_latency " + r.maxLatencyUs() + " µs\n\n" + r.trace());
            o.flush();
            return ExitCodes.OK;
        }
    }
}
