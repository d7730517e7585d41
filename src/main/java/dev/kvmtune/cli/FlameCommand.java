package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.flame.PerfCollapse;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvmtune flame}: perf stacks to folded stacks (seed 000). */
@Command(name = "flame", mixinStandardHelpOptions = true,
        description = {"Flame graphs from perf (seed 000): collapse 'perf script' output into folded stacks, exactly as",
            "FlameGraph's stackcollapse-perf.pl does.",
            "",
            "Examples:",
            "  perf record -e cpu-clock -g -p $(pidof qemu-system-x86_64) -- sleep 30",
            "  perf script | kvmtune flame collapse > qemu.folded",
            "  kvmtune flame collapse perf.txt --kernel --pid > qemu.folded"},
        subcommands = {FlameCommand.Collapse.class})
public final class FlameCommand implements Runnable {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "collapse", mixinStandardHelpOptions = true,
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

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            PerfCollapse c = new PerfCollapse(new PerfCollapse.Options(pid, tid, kernel || all, jit || all, addrs, eventFilter),
                    m -> err.println("kvmtune: " + (file == null ? "stdin" : file) + ": " + m));
            try (InputStream in = open()) {
                c.read(in);
            }
            PrintWriter pw = spec.commandLine().getOut();
            if (pw == Main.STDOUT) {
                pw.flush();
                OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
                c.write(out);
                out.flush();
            } else {
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                c.write(b);
                pw.print(b.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
                pw.flush();
            }
            if (c.unrecognized() > 0) err.println("kvmtune: " + c.unrecognized() + " lines not understood");
            err.flush();
            return 0;
        }

        private InputStream open() {
            if (file == null || file.toString().equals("-")) return System.in;
            try {
                return Files.newInputStream(file);
            } catch (NoSuchFileException e) {
                throw new BadInputException(file + ": no such file");
            } catch (AccessDeniedException e) {
                throw new BadInputException(file + ": permission denied");
            } catch (IOException e) {
                throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
    }
}
