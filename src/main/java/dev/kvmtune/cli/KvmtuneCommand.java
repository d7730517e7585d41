package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** The root command: global options and the list of subcommands. */
@Command(name = "kvmtune", addMethodSubcommands = false,
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
            "4 apply failed and was rolled back, 5 rollback incomplete."})
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
        SUBCOMMANDS.put("mem", MemCommand.class);
        SUBCOMMANDS.put("irq", IrqCommand.class);
        SUBCOMMANDS.put("measure", MeasureCommand.class);
        SUBCOMMANDS.put("report", ReportCommand.class);
        SUBCOMMANDS.put("exporter", ExporterCommand.class);
    }

    /** The commands under a command, registered like the top ones: only the one named, when one is. */
    static final Map<String, Map<String, Class<?>>> NESTED = Map.of(
            "flame", nested("collapse", FlameCommand.Collapse.class, "svg", FlameCommand.Svg.class, "diff", FlameCommand.Diff.class,
                    "record", FlameRecordCommand.class),
            "exits", nested("record", ExitsCommand.Record.class, "report", ExitsCommand.Report.class, "diff", ExitsCommand.Diff.class),
            "latency", nested("run", LatencyCommand.Run.class, "report", LatencyCommand.Report.class, "diff", LatencyCommand.Diff.class,
                    "trace", LatencyCommand.Trace.class));

    private static Map<String, Class<?>> nested(Object... nameClass) {
        Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameClass.length; i += 2) m.put((String) nameClass[i], (Class<?>) nameClass[i + 1]);
        return m;
    }

    /** The width help is laid out for; ArchitectureTest-style CliTest checks no authored line exceeds it. */
    static final int HELP_WIDTH = 120;

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

    /** Without a command there is nothing to do: the list of commands goes to stderr and the exit code is 2. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed (the list is above; 'kvmtune help COMMAND' for one)");
    }

    /** What a command makes of the global options: the formats it prints, and whether it reads a --root tree or a --snapshot. */
    record Accepts(Set<OutputFormat> formats, boolean root, boolean snapshot) {
    }

    private static final Set<OutputFormat> TEXT_JSON = Set.of(OutputFormat.text, OutputFormat.json);
    private static final Accepts HOST_VIEW = new Accepts(TEXT_JSON, true, true);
    private static final Accepts LIVE_OR_FILES = new Accepts(TEXT_JSON, false, false);
    private static final Accepts BYTES = new Accepts(Set.of(OutputFormat.text), false, false);

    /** One table for every leaf command, so that an option a command would ignore is refused instead. */
    static final Map<String, Accepts> ACCEPTS = Map.ofEntries(
            Map.entry("facts", HOST_VIEW),
            Map.entry("audit", new Accepts(Set.of(OutputFormat.values()), true, true)),
            Map.entry("capture", new Accepts(TEXT_JSON, true, false)),
            Map.entry("plan", HOST_VIEW),
            Map.entry("apply", new Accepts(TEXT_JSON, true, false)),
            Map.entry("rollback", new Accepts(TEXT_JSON, true, false)),
            Map.entry("latency run", LIVE_OR_FILES),
            Map.entry("latency report", LIVE_OR_FILES),
            Map.entry("latency diff", LIVE_OR_FILES),
            Map.entry("latency trace", LIVE_OR_FILES),
            Map.entry("ticks", LIVE_OR_FILES),
            Map.entry("exits record", LIVE_OR_FILES),
            Map.entry("exits report", LIVE_OR_FILES),
            Map.entry("exits diff", LIVE_OR_FILES),
            Map.entry("flame collapse", BYTES),
            Map.entry("flame svg", BYTES),
            Map.entry("flame diff", BYTES),
            Map.entry("flame record", BYTES),
            Map.entry("qemu-trace", LIVE_OR_FILES),
            Map.entry("vms", HOST_VIEW),
            Map.entry("mem", HOST_VIEW),
            Map.entry("threads", HOST_VIEW),
            Map.entry("qcow2", LIVE_OR_FILES),
            Map.entry("measure", new Accepts(TEXT_JSON, true, false)),
            Map.entry("report", LIVE_OR_FILES),
            Map.entry("exporter", new Accepts(Set.of(OutputFormat.text), true, true)));

    /** Refuses a global option the command being run would ignore (exit 2, one line). */
    static void checkGlobalOptions(CommandLine.ParseResult parsed) {
        StringBuilder name = new StringBuilder();
        CommandLine leaf = null;
        for (CommandLine.ParseResult p = parsed.subcommand(); p != null; p = p.subcommand()) {
            if (name.length() > 0) name.append(' ');
            name.append(p.commandSpec().name());
            leaf = p.commandSpec().commandLine();
        }
        Accepts a = ACCEPTS.get(name.toString());
        if (a == null || leaf == null || !(parsed.commandSpec().userObject() instanceof KvmtuneCommand g)) return;
        if (!a.formats().contains(g.format)) {
            throw new CommandLine.ParameterException(leaf, "--format " + g.format + ": " + name + " prints "
                    + String.join(" or ", a.formats().stream().map(Enum::name).sorted(java.util.Comparator.reverseOrder()).toList()));
        }
        if (g.rootDir != null && !a.root()) throw new CommandLine.ParameterException(leaf, "--root: " + name + " does not read a host tree");
        if (g.snapshot != null && !a.snapshot()) {
            throw new CommandLine.ParameterException(leaf, "--snapshot: " + name + " does not read a snapshot"
                    + (a.root() ? " (extract it and give --root DIR)" : ""));
        }
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
    /** The option types whose built-in picocli converters are not registered (a regular expression). */
    static final String EXCLUDED_CONVERTERS = "java\\.time\\..*|java\\.sql\\..*";

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
        // picocli registers a converter for each java.time and java.sql type by loading the class, and
        // java.time.MonthDay's initializer builds date-time formatters: 71 classes and about 20 ms of every
        // run. kvmtune's durations have their own converter (Converters); CliTest checks no option needs these.
        System.setProperty("picocli.converters.excludes", EXCLUDED_CONVERTERS);
        CommandLine cl = new CommandLine(new KvmtuneCommand());
        int at = subcommandIndex(args, 0);
        String name = at < 0 ? null : args[at];
        if (name != null && SUBCOMMANDS.containsKey(name)) {
            // reading a command's annotations is most of a short command's start-up: only the one run is read
            add(cl, name, at + 1 < args.length ? subcommandIndex(args, at + 1) : -1, args);
        } else if (args.length > 0 && java.util.Arrays.stream(args).allMatch(a -> a.equals("--version") || a.equals("-V"))) {
            // --version needs no command
        } else {
            // picocli's help command reads its own annotations, so it is made only where it can be asked for
            cl.addSubcommand("help", new CommandLine.HelpCommand());
            for (String n : SUBCOMMANDS.keySet()) add(cl, n, -1, args);
        }
        cl.setExecutionExceptionHandler(KvmtuneCommand::handle);
        cl.setParameterExceptionHandler(KvmtuneCommand::usageError);
        cl.setExecutionStrategy(parsed -> {
            checkGlobalOptions(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Help lines are written whole (examples must survive copying); picocli wraps only what exceeds this.
        cl.setUsageHelpWidth(HELP_WIDTH);
        commandLists(cl);
        return cl;
    }

    static String subcommandName(String[] args) {
        int i = subcommandIndex(args, 0);
        return i < 0 ? null : args[i];
    }

    /** The first argument from {@code from} on that is not an option (nor a global option's value), or -1. */
    private static int subcommandIndex(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return i;
            }
        }
        return -1;
    }

    /** Registers command {@code name} and, for one with commands under it, the one at {@code subAt} (or all). */
    private static void add(CommandLine cl, String name, int subAt, String[] args) {
        cl.addSubcommand(name, SUBCOMMANDS.get(name));
        Map<String, Class<?>> under = NESTED.get(name);
        if (under == null) return;
        CommandLine parent = cl.getSubcommands().get(name);
        String sub = subAt < 0 ? null : args[subAt];
        if (sub != null && under.containsKey(sub)) parent.addSubcommand(sub, under.get(sub));
        else under.forEach(parent::addSubcommand);
    }

    /** Command lists show each command's first whole sentence, not a description's first line cut where it was broken. */
    private static void commandLists(CommandLine cl) {
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
            if (help.subcommands().isEmpty()) return "";
            int nameWidth = help.subcommands().keySet().stream().mapToInt(String::length).max().orElse(8) + 2;
            CommandLine.Help.TextTable table = CommandLine.Help.TextTable.forColumns(help.colorScheme(),
                    new CommandLine.Help.Column(nameWidth + 2, 2, CommandLine.Help.Column.Overflow.SPAN),
                    new CommandLine.Help.Column(HELP_WIDTH - nameWidth - 2, 2, CommandLine.Help.Column.Overflow.WRAP));
            for (var e : help.subcommands().entrySet()) {
                String text = String.join(" ", e.getValue().commandSpec().usageMessage().description());
                try {
                    text = String.format(text); // description lines are format strings to picocli (%n, %%)
                } catch (java.util.IllegalFormatException ignored) {
                    // shown as written
                }
                text = text.replaceAll("\\s+", " ").strip();
                int end = text.indexOf(". ");
                if (end > 0) text = text.substring(0, end + 1);
                table.addRowValues(e.getKey(), text);
            }
            return table.toString();
        });
        for (CommandLine sub : cl.getSubcommands().values()) commandLists(sub);
    }

    /** A usage mistake: one line naming it and where help is, exit 2 (picocli would print the whole usage). */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String path = cl.getCommandSpec().qualifiedName(" ");
        err.println("kvmtune: " + Printable.line(ex.getMessage()) + " (see '" + path + " --help')");
        err.flush();
        return ExitCodes.BAD_INPUT;
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
        if (ex instanceof java.nio.file.AccessDeniedException denied) {
            // a file or directory this user may not touch (a journal directory, a tree's file): the user's to fix, not a bug
            err.println("kvmtune: " + Printable.line(denied.getFile()) + ": permission denied" + (denied.getReason() == null ? "" : " (" + denied.getReason() + ")"));
            if (trace) ex.printStackTrace(err);
            err.flush();
            return ExitCodes.BAD_INPUT;
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

    /** --version's text. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kvmtune " + version()};
        }
    }

    /**
     * This build's version: from the jar's manifest, which the class archive keeps, so that --version opens no jar
     * (reading a resource did, about 9 ms of a 0.13 s start; bench/README); from the build's filtered resource where
     * the classes are not in the jar (tests).
     */
    public static String version() {
        String v = KvmtuneCommand.class.getPackage().getImplementationVersion();
        if (v != null) return v;
        Properties p = new Properties();
        try (InputStream in = KvmtuneCommand.class.getResourceAsStream("/dev/kvmtune/version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // falls through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }
}
