package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.facts.DirectoryRoot;
import dev.kvmtune.facts.Root;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.util.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command: global options and the list of subcommands. */
@Command(name = "kvmtune",
        mixinStandardHelpOptions = true,
        versionProvider = KvmtuneCommand.Version.class,
        description = {
            "Collect facts about a KVM/QEMU host, audit them against a tuning profile, and measure.",
            "",
            "Examples:",
            "  kvmtune facts                          facts about this host",
            "  kvmtune capture -o host.tar.gz         snapshot for use on another machine",
            "  kvmtune facts --snapshot host.tar.gz   the same facts, read from the snapshot",
            "  kvmtune audit                          audit this host"},
        footer = {"", "Exit codes: 0 ok, 1 internal error, 2 usage or bad input, 3 audit findings at or above --fail-on,",
            "4 apply failed and was rolled back, 5 rollback incomplete."},
        subcommands = {CommandLine.HelpCommand.class})
public final class KvmtuneCommand implements Runnable {

    /**
     * Subcommands in help order. Only the one being run is registered: picocli builds each
     * command's model by reflection, which costs start-up time for every command not used.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("facts", FactsCommand.class);
        SUBCOMMANDS.put("audit", AuditCommand.class);
        SUBCOMMANDS.put("capture", CaptureCommand.class);
        SUBCOMMANDS.put("plan", PlanCommand.class);
        SUBCOMMANDS.put("apply", ApplyCommand.class);
        SUBCOMMANDS.put("rollback", RollbackCommand.class);
        SUBCOMMANDS.put("latency", LatencyCommand.class);
        SUBCOMMANDS.put("ticks", TicksCommand.class);
        SUBCOMMANDS.put("exits", ExitsCommand.class);
        SUBCOMMANDS.put("flame", FlameCommand.class);
        SUBCOMMANDS.put("qemu-trace", QemuTraceCommand.class);
        SUBCOMMANDS.put("vms", VmsCommand.class);
        SUBCOMMANDS.put("threads", ThreadsCommand.class);
        SUBCOMMANDS.put("qcow2", Qcow2Command.class);
    }

    /** Global options that take a value, so that their value is not mistaken for a command name. */
    private static final Set<String> OPTIONS_WITH_VALUE = Set.of("--root", "--snapshot", "--format");

    @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Read an extracted tree instead of the live /.")
    Path rootDir;

    @Option(names = "--snapshot", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Read a snapshot made by 'kvmtune capture' instead of the live /.")
    Path snapshot;

    @Option(names = "--format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "text")
    OutputFormat format;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean stacktrace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Opens the root the global options name: live /, a directory, or a snapshot archive. */
    Root openRoot() {
        if (rootDir != null && snapshot != null) {
            throw new KvmtuneException(ExitCodes.BAD_INPUT, "--root and --snapshot cannot be used together");
        }
        if (snapshot != null) return SnapshotRoot.open(snapshot);
        if (rootDir != null) {
            if (!Files.isDirectory(rootDir)) {
                throw new KvmtuneException(ExitCodes.BAD_INPUT, rootDir + ": --root must name a directory");
            }
            return DirectoryRoot.of(rootDir);
        }
        return DirectoryRoot.live();
    }

    /** The --root directory, checked to be one. */
    Path openRootDir() {
        if (!Files.isDirectory(rootDir)) throw new KvmtuneException(ExitCodes.BAD_INPUT, rootDir + ": --root must name a directory");
        return rootDir;
    }

    /** A command line with every subcommand registered (help, tests). */
    public static CommandLine newCommandLine() {
        return newCommandLine(new String[0]);
    }

    /**
     * A command line for these arguments writing to these streams: diagnostics go through
     * {@link Printable#diagnostics}, so no byte of an input file reaches the terminal as a control character.
     */
    public static CommandLine newCommandLine(String[] args, PrintWriter out, java.io.Writer err) {
        CommandLine cl = newCommandLine(args);
        cl.setOut(out);
        cl.setErr(new PrintWriter(Printable.diagnostics(err), true));
        return cl;
    }

    /** A command line for these arguments: only the named subcommand is registered, or all. */
    public static CommandLine newCommandLine(String[] args) {
        CommandLine cl = new CommandLine(new KvmtuneCommand());
        String name = subcommandName(args);
        if (name != null && SUBCOMMANDS.containsKey(name)) {
            cl.addSubcommand(name, SUBCOMMANDS.get(name));
        } else {
            SUBCOMMANDS.forEach(cl::addSubcommand);
        }
        cl.setExecutionExceptionHandler(KvmtuneCommand::handle);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    static String subcommandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean trace = parsed.matchedOption("--stacktrace") != null || hasStacktrace(parsed);
        if (ex instanceof KvmtuneException k) {
            err.println("kvmtune: " + Printable.line(k.getMessage()));
            if (trace) ex.printStackTrace(err);
            err.flush();
            return k.exitCode();
        }
        err.println("kvmtune: internal error: " + Printable.line(String.valueOf(ex)) + (trace ? "" : " (run with --stacktrace for details)"));
        if (trace) ex.printStackTrace(err);
        err.flush();
        return ExitCodes.INTERNAL_ERROR;
    }

    private static boolean hasStacktrace(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.matchedOption("--stacktrace") != null) return true;
        }
        return false;
    }

    /** Version from the build's filtered resource. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kvmtune " + version()};
        }
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = KvmtuneCommand.class.getResourceAsStream("/dev/kvmtune/version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // falls through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }
}
