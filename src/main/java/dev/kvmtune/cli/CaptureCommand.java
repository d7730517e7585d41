package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.irq.IrqDevices;
import dev.kvmtune.facts.irq.NetQueues;
import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.snapshot.Capture;
import dev.kvmtune.facts.snapshot.SmemcapWriter;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.util.OutputFile;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune capture}: a snapshot of everything facts reads, for use on another machine. */
@Command(name = "capture", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Write a snapshot (.tar.gz) of every file 'kvmtune facts' reads, at the same paths,",
            "with metadata (tool version, host, time, uname, unreadable files). Secrets in process",
            "command lines are redacted and the redactions listed. Read it back anywhere with --snapshot.",
            "",
            "Examples:",
            "With --smemcap, write instead what smemcap writes (seed 000): every process's smaps, cmdline",
            "and stat, and meminfo, in a plain tar that 'kvmtune mem --snapshot' (and smem -S, once unpacked",
            "under a proc/ directory) reads on another host.",
            "",
            "Examples:",
            "  kvmtune capture -o host.tar.gz",
            "  kvmtune facts --snapshot host.tar.gz",
            "  kvmtune capture --smemcap -o memorycapture.tar",
            "  kvmtune mem --snapshot memorycapture.tar --by mapping"})
public final class CaptureCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Snapshot file to write (.tar.gz).")
    Path output;

    @Option(names = "--max-size", paramLabel = "MIB", defaultValue = "256",
            description = "Bound on the snapshot's content in MiB; files past it are listed as omitted (default: ${DEFAULT-VALUE}).")
    long maxMib;

    @Option(names = "--irq-interval", paramLabel = "DURATION", defaultValue = "1s", converter = Converters.Seconds.class,
            description = {"On the live host, read /proc/interrupts, /proc/softirqs and /proc/stat again this long after the",
                "snapshot's own reading, so that 'kvmtune irq --snapshot' shows rates; 0 for none (default: ${DEFAULT-VALUE})."})
    java.time.Duration irqInterval;

    @Option(names = "--smemcap", description = "Write smemcap's layout (memory only: smaps, cmdline, stat, meminfo) as a plain tar.")
    boolean smemcap;

    @Override
    public Integer call() throws IOException {
        if (maxMib <= 0) throw new KvmtuneException(ExitCodes.BAD_INPUT, "--max-size must be positive");
        Path dir = OutputFile.check(output).getParent();
        if (!Files.isWritable(dir)) throw new KvmtuneException(ExitCodes.BAD_INPUT, output + ": directory " + dir + " is not writable");
        if (smemcap) {
            SmemcapWriter.Result r;
            try (Root root = parent.openRoot()) {
                r = SmemcapWriter.write(root, output, maxMib << 20);
            }
            var out = spec.commandLine().getOut();
            if (parent.format == OutputFormat.json) out.print(Json.write(r));
            else out.printf("wrote %s: %d processes (smemcap layout), %d omitted past --max-size; %d redactions%n", r.file(), r.processes(),
                    r.omitted(), r.redactions());
            out.flush();
            return ExitCodes.OK;
        }
        DirectoryRoot source;
        try (Root r = parent.openRoot()) {
            source = (DirectoryRoot) r;
        }
        spec.commandLine().getErr().println("kvmtune: capturing " + source.describe() + " ...");
        spec.commandLine().getErr().flush();
        Capture.Result res;
        try {
            // audit every built-in profile and read every process's memory through the recording root,
            // so that an audit or a mem of the snapshot reads what one of this host would
            res = Capture.capture(source, output, maxMib << 20, KvmtuneCommand.version(), Clock.systemUTC(), (facts, rec) -> {
                for (String p : ProfileLoader.BUILT_IN) Audit.run(facts, rec, ProfileLoader.load(p), "capture", null);
                ProcessMemoryReader.read(rec, ProcessMemoryReader.Options.all(ProcessMemoryReader.Depth.ROLLUP, true));
                IrqDevices.read(rec);
                NetQueues.read(rec);
                IrqAffinityReader.read(rec);
            }, irqInterval);
        } catch (AccessDeniedException e) {
            throw new KvmtuneException(ExitCodes.BAD_INPUT, output + ": permission denied");
        }
        var out = spec.commandLine().getOut();
        if (parent.format == OutputFormat.json) {
            out.print(Json.write(res));
        } else {
            out.printf("wrote %s: %d files, %d bytes compressed; %d unreadable, %d omitted, %d redactions%n",
                    res.file(), res.files(), res.bytes(), res.unreadable(), res.omitted(), res.redactions());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
