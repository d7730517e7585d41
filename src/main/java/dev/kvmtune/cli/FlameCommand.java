package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.flame.FlameGraph;
import dev.kvmtune.flame.Folded;
import dev.kvmtune.flame.ParallelCollapse;
import dev.kvmtune.flame.PerfCollapse;
import dev.kvmtune.util.OutputFile;
import dev.kvmtune.util.Printable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune flame}: perf stacks to folded stacks (seed 000). */
@Command(name = "flame", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Flame graphs from perf (seed 000): collapse 'perf script' output into folded stacks, exactly as",
            "FlameGraph's stackcollapse-perf.pl does.",
            "",
            "Examples:",
            "  perf record -e cpu-clock -g -p $(pidof qemu-system-x86_64) -- sleep 30",
            "  perf script | kvmtune flame collapse > qemu.folded",
            "  kvmtune flame collapse perf.txt --kernel --pid > qemu.folded",
            "  kvmtune flame svg qemu.folded -o qemu.svg --title 'QEMU on CPU'",
            "  kvmtune flame record --vm vm1 --duration 30s -o vm1.svg"})
public final class FlameCommand implements Runnable {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "collapse", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Collapse perf script text (a file, or - / nothing for stdin) into folded stacks, one 'frame;frame count'",
                "line per distinct stack, sorted; the same output as stackcollapse-perf.pl with the same options.",
                "",
                "Example:",
                "  perf script -i perf.data | kvmtune flame collapse --kernel > out.folded"})
    static final class Collapse implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "perf script output; - or none for stdin.")
        Path file;

        @Option(names = "--pid", description = "Process name with its PID (comm-PID).")
        boolean pid;

        @Option(names = "--tid", description = "Process name with PID and TID (comm-PID/TID).")
        boolean tid;

        @Option(names = "--kernel", description = "Annotate kernel functions with _[k].")
        boolean kernel;

        @Option(names = "--jit", description = "Annotate JIT functions (/tmp/perf-PID.map) with _[j].")
        boolean jit;

        @Option(names = "--all", description = "All annotations (--kernel --jit).")
        boolean all;

        @Option(names = "--addrs", description = "Raw addresses where a symbol is unknown.")
        boolean addrs;

        @Option(names = "--event-filter", paramLabel = "EVENT", description = "Keep samples of this event (default: the first event seen).")
        String eventFilter;

        @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "1",
                description = "Parse a file with N threads (the same output as one; default: ${DEFAULT-VALUE}; stdin is read by one).")
        int jobs;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            if (jobs < 1 || jobs > 256) throw new ParameterException(spec.commandLine(), "--jobs must be between 1 and 256");
            PerfCollapse.Options o = new PerfCollapse.Options(pid, tid, kernel || all, jit || all, addrs, eventFilter);
            Consumer<String> warn = m -> err.println("kvmtune: " + (file == null ? "stdin" : file) + ": " + Printable.line(m));
            java.util.SortedMap<String, Long> stacks;
            long unrecognized;
            boolean stdin = file == null || file.toString().equals("-");
            if (jobs > 1 && !stdin) {
                open().close();
                ParallelCollapse.Result r;
                try {
                    r = ParallelCollapse.run(file, o, jobs, warn);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                }
                stacks = r.stacks();
                unrecognized = r.unrecognized();
            } else {
                PerfCollapse c = new PerfCollapse(o, warn);
                try (InputStream in = open()) {
                    c.read(in, file == null || file.toString().equals("-") ? "stdin" : file.toString());
                }
                stacks = c.stacks();
                unrecognized = c.unrecognized();
            }
            ByteStdout out = new ByteStdout(spec.commandLine().getOut(), StandardCharsets.ISO_8859_1);
            OutputStream buffered = new BufferedOutputStream(out.stream(), 1 << 16);
            PerfCollapse.write(stacks, buffered);
            buffered.flush();
            out.finish();
            if (unrecognized > 0) err.println("kvmtune: " + unrecognized + " lines not understood");
            err.flush();
            return ExitCodes.OK;
        }

        private InputStream open() {
            return FlameCommand.open(file);
        }
    }

    /** The input; the readers bound its lines themselves (PerfCollapse.MAX_LINE, Folded's limit). */
    static InputStream open(Path file) {
        return file == null || file.toString().equals("-") ? System.in : InputFiles.open(file);
    }

    /** Streams the stacks of a folded or perf script file (or stdin) to {@code sink}. */
    static void read(Path file, PrintWriter err, Folded.Sink sink) throws IOException {
        try (InputStream in = open(file)) {
            Folded.read(in, name(file), m -> err.println("kvmtune: " + Printable.line(m)), sink);
        }
    }

    private static String name(Path file) {
        return file == null || file.toString().equals("-") ? "stdin" : file.toString();
    }

    /** Writes the SVG to the file (through a temporary file, so a failure leaves no half-written graph) or stdout. */
    static void writeSvg(FlameGraph g, Path out, PrintWriter stdout) throws IOException {
        if (out == null || out.toString().equals("-")) {
            ByteStdout b = new ByteStdout(stdout, StandardCharsets.UTF_8);
            g.writeSvg(b.stream());
            b.finish();
            return;
        }
        OutputFile.write(out, g::writeSvg);
    }

    /** Drawing options shared by svg, diff and record. */
    static final class DrawOptions {
        @Option(names = "--title", paramLabel = "T", description = "Title (default: Flame Graph).")
        String title;

        @Option(names = "--width", paramLabel = "W", defaultValue = "1200", description = "Width in pixels (default: ${DEFAULT-VALUE}).")
        int width;

        @Option(names = "--colors", paramLabel = "PALETTE", defaultValue = "hot",
                description = "Palette: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); kernel _[k], JIT _[j] and inlined _[i] frames have their own hues.")
        FlameGraph.Palette palette;

        @Option(names = "--reverse", description = "Reverse each stack (leaf first): merges by callee.")
        boolean reverse;

        @Option(names = "--inverted", description = "Icicle graph: roots at the top.")
        boolean inverted;

        @Option(names = "--count-name", paramLabel = "NAME", defaultValue = "samples", description = "What the counts are (default: ${DEFAULT-VALUE}).")
        String countName;

        FlameGraph.Options options(String defaultTitle, String subtitle, CommandSpec spec) {
            if (width < 100 || width > 100_000) throw new ParameterException(spec.commandLine(), "--width must be between 100 and 100000 pixels");
            return new FlameGraph.Options(title == null ? defaultTitle : title, subtitle, width, palette, reverse, inverted, countName, 0.1);
        }
    }

    @Command(name = "svg", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Draw an interactive flame graph (SVG: hover for details, click to zoom, Ctrl-F to search with the matched",
                "share) from folded stacks or straight from perf script text.",
                "",
                "Examples:",
                "  kvmtune flame svg qemu.folded -o qemu.svg --title 'QEMU, 30 s'",
                "  perf script | kvmtune flame svg -o qemu.svg --colors java --inverted"})
    static final class Svg implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Folded stacks or perf script output; - or none for stdin.")
        Path file;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT.svg", description = "Where to write the SVG (default: stdout).")
        Path output;

        @Mixin
        DrawOptions draw = new DrawOptions();

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            FlameGraph.Options o = draw.options("Flame Graph", null, spec);
            FlameGraph g = new FlameGraph(o);
            read(file, err, g::add);
            if (g.total() == 0) throw new BadInputException(name(file) + ": every stack's count is 0; nothing to draw");
            writeSvg(g, output, spec.commandLine().getOut());
            if (output != null) err.println("kvmtune: wrote " + output + " (" + g.stacks() + " stacks, " + g.total() + " " + o.countName() + ")");
            err.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "diff", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Draw a differential flame graph from two profiles (folded or perf script): frames as wide as in AFTER,",
                "red where they grew since BEFORE, blue where they shrank, deeper color for larger change. BEFORE is",
                "scaled to AFTER's total first unless --no-normalize, so profiles of different lengths compare.",
                "",
                "Example:",
                "  kvmtune flame diff e1000.folded virtio.folded -o nic.svg --title 'e1000 -> virtio-net'"})
    static final class Diff implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "BEFORE", description = "The baseline profile.")
        Path before;

        @Parameters(index = "1", paramLabel = "AFTER", description = "The profile to compare.")
        Path after;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT.svg", description = "Where to write the SVG (default: stdout).")
        Path output;

        @Option(names = "--no-normalize", description = "Compare raw counts, not shares.")
        boolean noNormalize;

        @Mixin
        DrawOptions draw = new DrawOptions();

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            FlameGraph g = new FlameGraph(draw.options("Differential Flame Graph", null, spec));
            read(before, err, g::addBefore);
            read(after, err, g::add);
            if (g.total() == 0) throw new BadInputException(name(after) + ": every stack's count is 0; nothing to draw");
            g.normalize(!noNormalize);
            g.subtitle(before.getFileName() + " (" + g.totalBefore() + ") -> " + after.getFileName() + " (" + g.total() + "): red grew, blue shrank"
                    + (noNormalize ? "" : ", normalized"));
            writeSvg(g, output, spec.commandLine().getOut());
            if (output != null) err.println("kvmtune: wrote " + output);
            err.flush();
            return ExitCodes.OK;
        }
    }
}
