package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.report.Manifest;
import dev.kvmtune.report.Manifest.Status;
import dev.kvmtune.report.Manifest.Step;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.OutputFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvmtune measure}: one measurement run around a tuning change, recorded as a bundle
 * directory. Each part is the kvmtune command a user would run by hand, run in this process with
 * its output in the bundle, so the bundle holds exactly what those commands print and the manifest
 * names the command for each file.
 */
@Command(name = "measure", addMethodSubcommands = false, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Record one measurement run in a new directory: a snapshot of the host (capture), its facts and",
            "audit, memory per VM, the apply journals; then, all over the same --duration, timer ticks and IPIs per",
            "CPU, interrupts and their rates, each VM's exits and its threads' run-queue wait (and perf sched latency",
            "with --perf-sched); then a flame graph of each VM's QEMU; last, cyclictest on the isolated and vCPU CPUs",
            "(all online CPUs when there are none). manifest.json says what ran, the command that makes each file,",
            "and what was skipped or failed and why. Ctrl-C keeps what finished and records what did not.",
            "Run it before and after a change, then 'kvmtune report BEFORE AFTER -o report.html'. With --format json the",
            "manifest is also printed.",
            "",
            "Examples:",
            "  sudo kvmtune measure -o before --vm rt1 --duration 60s",
            "  sudo kvmtune measure -o quick --duration 10s --skip latency,flame",
            "  kvmtune measure --root /srv/trees/host1 -o host1    # the host state of an extracted tree (a fleet report)"})
public final class MeasureCommand implements Callable<Integer> {
    /** The parts of a run, in the order they run. */
    enum Part {
        snapshot, facts, audit, mem, journal, ticks, irq, exits, threads, perf_sched, flame, latency;

        String label() {
            return name().replace('_', '-');
        }
    }

    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "The bundle directory to create (it must not exist, or be empty).")
    Path output;

    @Option(names = "--vm", paramLabel = "NAME", description = "Watch this VM (repeatable; default: every running QEMU).")
    List<String> vmNames = new ArrayList<>();

    @Option(names = "--duration", defaultValue = "60s", converter = Converters.Seconds.class, paramLabel = "DURATION",
            description = "How long each timed part records (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--skip", split = ",", paramLabel = "PART",
            description = "Leave out parts: snapshot, facts, audit, mem, journal, ticks, irq, exits, threads, flame, latency.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--perf-sched", description = "Also record 'perf sched' over the window and keep its latency table (seed 003).")
    boolean perfSched;

    @Option(names = "--profile", paramLabel = "P|FILE", defaultValue = "auto", description = "The audit's profile (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--cpus", paramLabel = "LIST", converter = Converters.Cpus.class,
            description = "cyclictest's CPUs (default: isolated and vCPU-pinned CPUs, else all online).")
    CpuSet latencyCpus;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Where apply keeps its journals (default: /var/lib/kvmtune).")
    Path journalDir;

    @Option(names = "--perf", defaultValue = "perf", hidden = true)
    String perf;

    @Option(names = "--cyclictest", defaultValue = "cyclictest", hidden = true)
    String cyclictest;

    /**
     * One step of the run: what it runs, and its manifest entry as it stands (guarded by this
     * command's lock, which the step threads and the Ctrl-C hook share).
     */
    private static final class Slot {
        final Part part;
        final List<String> args;
        final String stdoutFile;
        Step step;

        Slot(Part part, List<String> args, String stdoutFile, Step step) {
            this.part = part;
            this.args = args;
            this.stdoutFile = stdoutFile;
            this.step = step;
        }

        Status status() {
            return step.status();
        }
    }

    private Path dir;
    /** The --root tree whose host state is measured, or null for the live host. */
    private Path tree;
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Manifest.Host host;
    private List<Manifest.VmRef> vmRefs = List.of();
    private String started;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        err = spec.commandLine().getErr();
        if (duration.toSeconds() < 1) throw new BadInputException("--duration must be at least 1s");
        Set<Part> skipped = EnumSet.noneOf(Part.class);
        for (String s : skip) {
            try {
                skipped.add(Part.valueOf(s.strip().replace('-', '_').toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--skip " + s + ": not a part (snapshot, facts, audit, mem, journal, ticks, irq, exits, threads, flame, latency)");
            }
        }
        if (!perfSched) skipped.add(Part.perf_sched);
        // --root: the host state of a tree (a captured or extracted host, a fleet's member); nothing runs there to measure
        tree = parent.rootDir;
        Root live = tree == null ? DirectoryRoot.live() : parent.openRoot();
        if (tree != null && !vmNames.isEmpty()) throw new BadInputException("--vm: measure --root reads a tree, where no VM runs to measure");
        List<VmFacts> vms = tree == null ? chooseVms(live) : List.of();
        dir = createBundle(output);
        started = now();
        host = new Manifest.Host(read(live, "proc/sys/kernel/hostname"), read(live, "proc/sys/kernel/osrelease"),
                tree == null ? arch() : treeArch(live), read(live, "proc/cmdline"));
        vmRefs = refs(vms);
        plan(skipped, live, vms);
        Thread hook = new Thread(this::interrupted, "kvmtune-measure-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            write(false);
            // quick reads first: the state the timed parts are measured in
            phase("host state", List.of(Part.snapshot, Part.facts, Part.audit, Part.mem, Part.journal), false);
            phase("window", List.of(Part.ticks, Part.irq, Part.exits, Part.threads, Part.perf_sched), true);
            phase("flame graphs", List.of(Part.flame), true);
            phase("latency", List.of(Part.latency), true);
            synchronized (this) {
                write(true);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it writes the manifest
            }
        }
        err.printf("kvmtune: bundle %s: %d parts done, %d failed, %d skipped (manifest.json says why)%n", output,
                count(Status.done), count(Status.failed), count(Status.skipped));
        err.printf("kvmtune: next: kvmtune report %s -o %s%n", CommandHint.quote(output.toString()),
                CommandHint.quote(output.resolve("report.html").toString()));
        err.flush();
        if (parent.format == OutputFormat.json) {
            // the manifest as written: what ran, skipped and failed, for a script to act on
            PrintWriter out = spec.commandLine().getOut();
            out.print(Files.readString(dir.resolve("manifest.json")));
            out.flush();
        }
        return ExitCodes.OK;
    }

    private List<VmFacts> chooseVms(Root live) {
        VmSelection sel = new VmSelection();
        sel.qmpTimeout = Duration.ofSeconds(2);
        sel.noQmp = true;
        List<VmFacts> running = sel.load(live).stream().filter(v -> v.state().equals("running") && v.vm().pid() != null).toList();
        if (vmNames.isEmpty()) return running;
        List<VmFacts> out = new ArrayList<>();
        for (String n : vmNames) {
            List<VmFacts> m = running.stream().filter(v -> n.equals(v.vm().name())).toList();
            if (m.isEmpty()) throw new BadInputException("--vm " + n + ": no running VM of that name (kvmtune vms lists them)");
            out.addAll(m);
        }
        return out;
    }

    private static List<Manifest.VmRef> refs(List<VmFacts> vms) {
        List<Manifest.VmRef> out = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (VmFacts v : vms) {
            String base = v.vm().name() == null ? "pid" + v.vm().pid() : v.vm().name().replaceAll("[^A-Za-z0-9._-]", "_");
            if (base.startsWith(".")) base = "_" + base;
            String name = used.add(base) ? base : base + "-" + v.vm().pid();
            used.add(name);
            out.add(new Manifest.VmRef(v.vm().name(), v.vm().pid(), name));
        }
        return out;
    }

    /** A new directory, or an empty one; never one that holds anything (a bundle is never written over another). */
    static Path createBundle(Path out) {
        Path abs = out.toAbsolutePath();
        try {
            if (Files.isSymbolicLink(abs)) throw new BadInputException(out + ": is a symbolic link; name a new directory");
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) throw new BadInputException(out + ": exists and is not a directory; name a new directory");
                try (Stream<Path> s = Files.list(abs)) {
                    if (s.findAny().isPresent()) throw new BadInputException(out + ": is not empty; name a new directory (a bundle is never written over another)");
                }
            } else {
                Path p = abs.getParent();
                if (p == null || !Files.isDirectory(p)) throw new BadInputException(out + ": directory " + p + " does not exist");
                Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            }
            Files.createDirectory(abs.resolve("logs"));
        } catch (IOException e) {
            throw BadInputException.reading(out, e);
        }
        return abs;
    }

    // ---- the steps ----

    private void plan(Set<Part> skipped, Root live, List<VmFacts> vms) {
        String d = duration.toSeconds() + "s";
        List<String> at = tree == null ? List.of() : List.of("--root", tree.toString());
        add(Part.snapshot, null, concat(at, List.of("capture", "-o", f("snapshot.tar.gz"))), null, List.of("snapshot.tar.gz"));
        add(Part.facts, null, concat(at, List.of("--format", "json", "facts")), "facts.json", List.of("facts.json"));
        add(Part.audit, null, concat(at, List.of("--format", "json", "audit", "--profile", profile)), "audit.json", List.of("audit.json"));
        add(Part.mem, null, concat(at, List.of("--format", "json", "mem", "--by", "vm")), "mem.json", List.of("mem.json"));
        List<String> status = new ArrayList<>(concat(at, List.of("--format", "json", "apply", "--status")));
        if (journalDir != null) status.addAll(List.of("--journal-dir", journalDir.toString()));
        add(Part.journal, null, status, "journal.json", List.of("journal.json"));
        add(Part.ticks, null, List.of("--format", "json", "ticks", "--interval", d), "ticks.json", List.of("ticks.json"));
        add(Part.irq, null, List.of("--format", "json", "irq", "--interval", d), "irq.json", List.of("irq.json"));
        for (Manifest.VmRef v : vmRefs) {
            String n = v.fileName();
            add(Part.exits, v, List.of("--format", "json", "exits", "record", "--pid", Integer.toString(v.pid()), "--duration", d,
                    "-o", f("exits-" + n + ".json")), null, List.of("exits-" + n + ".json"));
            add(Part.threads, v, List.of("--format", "json", "threads", "--pid", Integer.toString(v.pid()), "--interval", d),
                    "threads-" + n + ".json", List.of("threads-" + n + ".json"));
            add(Part.flame, v, List.of("flame", "record", "--pid", Integer.toString(v.pid()), "--duration", d, "--perf", perf,
                    "-o", f("flame-" + n + ".svg"), "--folded", f("flame-" + n + ".folded")), null,
                    List.of("flame-" + n + ".svg", "flame-" + n + ".folded"));
        }
        add(Part.perf_sched, null, List.of(), "perf-sched.txt", List.of("perf-sched.txt"));
        CpuSet cpus = latencyCpus != null ? latencyCpus : latencyCpus(live, vms);
        add(Part.latency, null, List.of("--format", "json", "latency", "run", "--cpus", cpus.toList(), "--duration", d,
                "--cyclictest", cyclictest, "-o", f("latency")), null, List.of("latency.txt", "latency.json"));
        if (vmRefs.isEmpty()) {
            for (Part p : List.of(Part.exits, Part.threads, Part.flame)) {
                slots.add(new Slot(p, List.of(), null, new Step(p.label(), null, Status.skipped, null, List.of(), null, null,
                        tree != null ? "--root " + tree + " is a tree: no VM runs there to measure"
                                : vmNames.isEmpty() ? "no running QEMU VM on this host" : "no VM", null)));
            }
        }
        for (Slot s : slots) {
            if (s.status() != Status.pending) continue;
            String why = skipped.contains(s.part) ? (s.part == Part.perf_sched ? "not asked (--perf-sched)" : "--skip " + s.part.label()) : unavailable(s.part);
            if (why != null) s.step = s.step.with(Status.skipped, null, null, why);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private String unavailable(Part p) {
        boolean root = dev.kvmtune.apply.LiveThreadScheduler.isRoot();
        if (tree != null && List.of(Part.ticks, Part.irq, Part.perf_sched, Part.latency).contains(p)) {
            return "--root " + tree + " is a tree: it has no live counters or CPUs to measure";
        }
        return switch (p) {
            case flame, perf_sched -> dev.kvmtune.util.Executables.found(perf) ? null : perf + " is not installed (Debian package linux-perf)";
            case latency -> !dev.kvmtune.util.Executables.found(cyclictest) ? cyclictest + " is not installed (Debian package rt-tests)"
                    : root ? null : "cyclictest needs root (locked memory and SCHED_FIFO); run measure with sudo";
            default -> null;
        };
    }

    private void add(Part p, Manifest.VmRef vm, List<String> args, String stdoutFile, List<String> files) {
        String log = "logs/" + p.label() + (vm == null ? "" : "-" + vm.fileName()) + ".log";
        String cmd = p == Part.perf_sched
                ? perf + " sched record -o " + f("perf-sched.data") + " -- sleep " + duration.toSeconds() + " && " + perf + " sched latency -i " + f("perf-sched.data")
                : "kvmtune " + String.join(" ", args.stream().map(CommandHint::quote).toList()) + (stdoutFile == null ? "" : " > " + CommandHint.quote(f(stdoutFile)));
        slots.add(new Slot(p, args, stdoutFile, new Step(p.label(), vm == null ? null : vm.name(), Status.pending, cmd, files, null, null, null, log)));
    }

    private String f(String name) {
        return dir.resolve(name).toString();
    }

    private void phase(String title, List<Part> parts, boolean timed) throws InterruptedException {
        List<Slot> todo = new ArrayList<>();
        synchronized (this) {
            for (Slot s : slots) if (parts.contains(s.part) && s.status() == Status.pending) todo.add(s);
        }
        if (todo.isEmpty() || stopping.get()) return;
        err.printf("kvmtune: measure %s: %s%s%n", title, String.join(", ", todo.stream().map(s -> s.step.part() + (s.step.vm() == null ? "" : " " + s.step.vm())).toList()),
                timed ? " for " + duration.toSeconds() + "s" : "");
        err.flush();
        List<Thread> threads = new ArrayList<>();
        for (Slot s : todo) {
            Thread t = new Thread(() -> runStep(s), "kvmtune-measure-" + s.step.part());
            threads.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        SecondsProgress progress = timed ? new SecondsProgress(err, duration.toSeconds()) : null;
        long shown = 0;
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(1000);
                long s = (System.nanoTime() - t0) / 1_000_000_000L;
                if (progress != null && s > shown && s <= duration.toSeconds()) {
                    progress.accept(s);
                    shown = s;
                }
            }
        }
        if (progress != null) progress.done();
    }

    private void runStep(Slot slot) {
        synchronized (this) {
            if (stopping.get()) return;
            slot.step = slot.step.with(Status.running, null, null, null);
            write(false);
        }
        long t0 = System.nanoTime();
        StringWriter out = new StringWriter();
        StringWriter log = new StringWriter();
        int exit;
        String reason = null;
        try {
            if (slot.part == Part.perf_sched) {
                exit = perfSched(out, log);
            } else {
                String[] args = slot.args.toArray(String[]::new);
                exit = KvmtuneCommand.newCommandLine(args, new PrintWriter(out), log).execute(args);
            }
            if (slot.stdoutFile != null && (exit == ExitCodes.OK || exit == ExitCodes.FINDINGS)) OutputFile.writeDerived(dir.resolve(slot.stdoutFile), out.toString(), null);
        } catch (RuntimeException | IOException e) {
            exit = ExitCodes.INTERNAL_ERROR;
            reason = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = ExitCodes.INTERNAL_ERROR;
            reason = "interrupted";
        }
        double secs = Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
        try {
            OutputFile.writeDerived(dir.resolve(slot.step.log()), log.toString(), null);
        } catch (RuntimeException e) {
            // the log is help, not data: a failure to keep it must not lose the step
        }
        Status st;
        if (stopping.get()) {
            st = Status.interrupted;
            reason = "stopped by Ctrl-C; what it recorded until then is kept";
        } else if (exit == ExitCodes.OK || exit == ExitCodes.FINDINGS) {
            st = Status.done;
        } else {
            st = Status.failed;
            if (reason == null) reason = lastLine(log.toString());
        }
        synchronized (this) {
            slot.step = slot.step.with(st, exit, secs, reason);
            write(false);
        }
    }

    /** perf sched record over the window, then its latency table (seed 003); the recording itself is removed, the table kept. */
    private int perfSched(StringWriter out, StringWriter log) throws IOException, InterruptedException {
        Path data = dir.resolve("perf-sched.data");
        Process rec = new ProcessBuilder(perf, "sched", "record", "-o", data.toString(), "--", "sleep", Long.toString(duration.toSeconds()))
                .redirectErrorStream(true).start();
        log.write(new String(rec.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        if (rec.waitFor() != 0) {
            log.write("perf sched record exited with " + rec.exitValue() + "\n");
            Files.deleteIfExists(data);
            return ExitCodes.BAD_INPUT;
        }
        Process lat = new ProcessBuilder(perf, "sched", "latency", "-i", data.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        out.write(new String(lat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        int rc = lat.waitFor();
        Files.deleteIfExists(data);
        Files.deleteIfExists(Path.of(data + ".old"));
        if (rc != 0) log.write("perf sched latency exited with " + rc + "\n");
        return rc == 0 ? ExitCodes.OK : ExitCodes.BAD_INPUT;
    }

    private static String lastLine(String log) {
        String[] lines = log.strip().split("\n");
        String l = lines[lines.length - 1].strip();
        return l.isEmpty() ? "no message" : l.replaceFirst("^kvmtune: ", "");
    }

    private synchronized long count(Status st) {
        return slots.stream().filter(s -> s.status() == st).count();
    }

    /** Ctrl-C: the steps' own hooks stop cyclictest, perf and the trace instance; wait for them, then record what ended how. */
    private void interrupted() {
        stopping.set(true);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (count(Status.running) == 0) break;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                break;
            }
        }
        synchronized (this) {
            for (Slot s : slots) {
                if (s.status() == Status.running) s.step = s.step.with(Status.interrupted, null, null, "still running when Ctrl-C stopped the run");
                else if (s.status() == Status.pending) s.step = s.step.with(Status.not_run, null, null, "Ctrl-C stopped the run before it");
            }
            write(true);
        }
        err.println("kvmtune: stopped; " + output + "/manifest.json says what finished");
        err.flush();
    }

    private void write(boolean ended) {
        List<Step> steps = slots.stream().map(s -> s.step).toList();
        boolean complete = ended && !stopping.get() && steps.stream().allMatch(s -> s.status() != Status.pending && s.status() != Status.running);
        Manifest m = new Manifest(Manifest.FORMAT, "kvmtune", KvmtuneCommand.version(), host, started, ended ? now() : null,
                duration.toSeconds(), vmRefs, steps, complete, stopping.get());
        OutputFile.writeDerived(dir.resolve("manifest.json"), Json.write(m), null);
    }

    /** The isolated and nohz_full CPUs and the CPUs the watched VMs' vCPU threads are pinned to; all online CPUs when there are none. */
    private static CpuSet latencyCpus(Root live, List<VmFacts> vms) {
        CpuSet set = IsolationReader.kernelIsolated(live);
        String online = read(live, "sys/devices/system/cpu/online");
        CpuSet all = online == null ? CpuSet.of(0) : CpuSet.parseList(online);
        for (VmFacts v : vms) {
            for (var t : v.byRole("vcpu")) {
                // a vCPU thread allowed on fewer CPUs than all: a CPU the guest's latency depends on
                if (t.allowed() != null && !t.allowed().equals(all)) set = set.union(t.allowed());
            }
        }
        return set.isEmpty() ? all : set;
    }

    private static String read(Root root, String path) {
        return root.read(path).map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
    }

    /** uname -m's name: the JDK says amd64 for x86_64. */
    /** A tree's architecture, from its /proc/cpuinfo; null when that does not tell. */
    private static String treeArch(Root tree) {
        return dev.kvmtune.facts.cpu.CpuInfoReader.read(tree).map(dev.kvmtune.facts.cpu.CpuInfoReader.CpuInfo::arch).orElse(null);
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") ? "x86_64" : a;
    }

    private static String now() {
        // with its seconds at a whole minute too (OffsetDateTime writes 21:45Z there), as the journal's times are
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
