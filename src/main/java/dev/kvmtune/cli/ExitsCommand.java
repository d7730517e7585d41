package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.exits.ExitChart;
import dev.kvmtune.exits.ExitInputs;
import dev.kvmtune.exits.ExitProfile;
import dev.kvmtune.exits.ExitReasons.Isa;
import dev.kvmtune.exits.ExitRecorder.SourceKind;
import dev.kvmtune.exits.ExitRecorder;
import dev.kvmtune.exits.ExitReport;
import dev.kvmtune.exits.VmContext;
import dev.kvmtune.exits.Warnings;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.DomainXml;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.OutputFile;
import dev.kvmtune.util.Printable;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune exits}: record a VM's exits, report on any exit data, compare runs (seed 001). */
@Command(name = "exits", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"VM exits per reason, as seed 001 counts them for e1000 vs virtio-net vs vhost and IDE vs",
            "virtio-blk: record a running VM (tracefs kvm_exit, QMP query-stats, debugfs), report on any exit data",
            "(perf kvm stat report, perf script / trace-cmd / ftrace kvm_exit lines, systemtap counts, kvm_exit",
            "hist triggers, kvm_stat --log/--csv, kvmtune recordings) with shares, rates, time in exit, the MSR",
            "breakdown and a diagnosis tied to the VM, and compare runs side by side with an SVG chart.",
            "",
            "Examples:",
            "  kvmtune exits record --vm web1 --duration 10s -o before.json",
            "  kvmtune exits report before.json --per-vcpu",
            "  perf script -i perf.data.guest > exits.txt && kvmtune exits report exits.txt --xml web1.xml",
            "  kvmtune exits diff e1000.json virtio.json vhost.json -o chart.svg"})
public final class ExitsCommand implements Runnable {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Inputs read with their warnings printed once each on stderr. */
    static List<ExitProfile> read(List<Path> files, Isa isa, Duration duration, Path xml, PrintWriter err) {
        List<String> warnings = new ArrayList<>();
        List<ExitProfile> out = new ArrayList<>();
        VmContext ctx = null;
        if (xml != null) {
            Vm vm = DomainXml.parse(InputFiles.readText(xml, SmallFiles.DOMAIN_XML, "libvirt domain XML"), xml.toString());
            ctx = VmContext.of(vm, List.of(), null);
        }
        for (ExitProfile p : ExitInputs.readAll(files, isa, warnings)) {
            if (p.seconds() == null && duration != null) p = p.withSeconds(duration.toMillis() / 1000.0, "--duration");
            if (ctx != null) p = p.withVm(ctx);
            out.add(p);
        }
        for (String w : warnings) err.println("kvmtune: warning: " + Printable.line(w));
        for (ExitProfile p : out) {
            if (p.unknownLines() > 0) err.println("kvmtune: " + p.input() + ": " + p.unknownLines() + " lines not understood");
        }
        err.flush();
        return out;
    }

    @Command(name = "record", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Record one running VM's exits for a while. Sources run together: tracefs (kvm_exit, kvm_entry and",
                "kvm_msr in a trace instance of kvmtune's own, aggregated by a hist trigger where the kernel has them,",
                "else read from trace_pipe; removed afterwards, also on Ctrl-C), QMP query-stats (KVM's per-vCPU",
                "counters at start and end), debugfs kvm/PID-FD (where readable). Writes a recording (JSON) that",
                "'exits report' and 'exits diff' read, and prints its report.",
                "",
                "Examples:",
                "  kvmtune exits record --vm web1 --duration 10s -o web1-e1000.json",
                "  kvmtune exits record --pid 4242 --source qmp --duration 5s"})
    static final class Record implements Callable<Integer> {
        @ParentCommand
        ExitsCommand exits;

        @Spec
        CommandSpec spec;

        @Mixin
        VmTarget target = new VmTarget();

        @Option(names = "--duration", defaultValue = "10s", converter = Converters.Seconds.class,
                description = "How long to record (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(names = "--source", defaultValue = "auto", split = ",", paramLabel = "SOURCE",
                description = "auto (all that work), tracefs, qmp, debugfs; comma-separated (default: ${DEFAULT-VALUE}).")
        List<String> source;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Recording file (default: exits-VM-TIME.json).")
        Path output;

        @Option(names = "--per-vcpu", description = "Also show the per-vCPU table.")
        boolean perVcpu;

        @Option(names = "--no-hist", hidden = true, description = "Stream trace_pipe even where hist triggers exist.")
        boolean noHist;

        @Option(names = "--debugfs", hidden = true, defaultValue = "/sys/kernel/debug/kvm")
        Path debugfs;

        @Override
        public Integer call() throws InterruptedException, IOException {
            KvmtuneCommand parent = exits.parent;
            target.requireOne("exits record");
            if (duration.toMillis() < 1000) throw new BadInputException("--duration must be at least 1s");
            Set<SourceKind> kinds = EnumSet.noneOf(SourceKind.class);
            for (String s : source) {
                switch (s.strip()) {
                    case "auto" -> kinds.addAll(EnumSet.allOf(SourceKind.class));
                    case "tracefs" -> kinds.add(SourceKind.TRACEFS);
                    case "qmp" -> kinds.add(SourceKind.QMP);
                    case "debugfs" -> kinds.add(SourceKind.DEBUGFS);
                    default -> throw new BadInputException("--source: unknown source '" + s + "' (auto, tracefs, qmp, debugfs)");
                }
            }
            PrintWriter err = spec.commandLine().getErr();
            DirectoryRoot root = DirectoryRoot.live();
            VmFacts vm = find(root);
            int qemuPid = vm.vm().pid();
            List<Integer> tids = new ArrayList<>();
            for (VmThread t : vm.threads()) tids.add(t.tid());
            Path qmp = vm.vm().qmp() == null || vm.vm().qmp().isEmpty() ? null : Path.of(vm.vm().qmp().get(0));
            VmContext ctx = VmContext.of(vm.vm(), vm.threads(), irqsOnVcpuCpus(root, vm));
            Path out = output != null ? output : Path.of("exits-" + (vm.vm().name() == null ? qemuPid : vm.vm().name()) + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
            Path dir = (output != null ? OutputFile.check(out) : OutputFile.checkDerived(out)).getParent();
            if (!Files.isWritable(dir)) throw new BadInputException(out + ": directory " + dir + " is not writable");

            CpuSet online = root.read("sys/devices/system/cpu/online").map(s -> CpuSet.parseList(s.strip())).orElse(CpuSet.EMPTY);
            CpuSet avoid = IsolationReader.kernelIsolated(root);
            for (String c : ctx.vcpuCpus() == null ? List.<String>of() : ctx.vcpuCpus().values()) avoid = avoid.union(CpuSet.parseList(c));
            CpuSet myCpus = ProcessReader.process(root, (int) ProcessHandle.current().pid()).map(ProcessReader.Task::allowed).orElse(null);
            boolean moved = !avoid.isEmpty() && !online.minus(avoid).isEmpty() && TicksCommand.taskset(online.minus(avoid));

            ExitRecorder recorder = new ExitRecorder();
            Thread hook = new Thread(recorder::abort, "kvmtune-exits-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            Warnings warnings = new Warnings();
            ExitProfile p;
            SecondsProgress progress = new SecondsProgress(err, duration.toSeconds());
            err.printf("kvmtune: recording VM %s (pid %d) for %ds from %s%n", vm.vm().name() == null ? "?" : vm.vm().name(), qemuPid,
                    duration.toSeconds(), String.join(",", source));
            err.flush();
            try {
                p = recorder.record(new ExitRecorder.Target(qemuPid, tids, qmp, ctx, vm.vm().accel()),
                        new ExitRecorder.Options(duration, kinds, null, debugfs, noHist, Duration.ofSeconds(3)), warnings, progress);
                progress.done();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook runs
                }
                if (moved && myCpus != null) TicksCommand.taskset(myCpus);
            }
            if (output != null) OutputFile.writeText(out, Json.write(p));
            else OutputFile.writeDerived(out, Json.write(p), null);
            for (String w : warnings.messages()) err.println("kvmtune: warning: " + Printable.line(w));
            for (ExitProfile.Source s : p.sources()) err.println("kvmtune: " + s.name() + ": " + s.status() + " — " + s.detail());
            err.println("kvmtune: wrote " + out);
            err.flush();
            PrintWriter o = spec.commandLine().getOut();
            ExitReport r = ExitReport.of(p, perVcpu);
            Formatted.print(o, parent.format, () -> r, () -> ExitsText.report(r));
            o.flush();
            boolean nothing = p.events() == 0 && p.counters().stream().noneMatch(c -> c.name().equals("exits") && c.delta() > 0);
            if (nothing) {
                err.println("kvmtune: no source saw a VM exit in " + duration.toSeconds() + "s (see the sources above)");
                err.flush();
                return ExitCodes.FINDINGS;
            }
            return ExitCodes.OK;
        }

        private VmFacts find(Root root) {
            return VmSelection.running(root, target.name, target.pid);
        }
    }

    /** Host IRQs whose affinity includes a CPU the VM's vCPUs may run on: "35 virtio0-input.0 → 0-1". */
    static List<String> irqsOnVcpuCpus(Root root, VmFacts vm) {
        CpuSet vcpuCpus = CpuSet.EMPTY;
        for (CpuSet s : VmContext.vcpuCpuSets(vm.vm(), vm.threads()).values()) vcpuCpus = vcpuCpus.union(s);
        if (vcpuCpus.isEmpty()) return null;
        Map<String, String> names = new LinkedHashMap<>();
        for (InterruptsReader.Row r : InterruptsReader.read(root).rows()) names.put(r.irq(), String.join(",", r.actions()));
        List<String> list = new ArrayList<>();
        for (IrqAffinityReader.IrqAffinity a : IrqAffinityReader.read(root)) {
            CpuSet eff = a.effective() != null && a.effective().value() != null ? a.effective().value() : a.affinity() == null ? null : a.affinity().value();
            if (eff == null || !eff.intersects(vcpuCpus)) continue;
            String n = names.getOrDefault(Integer.toString(a.irq()), "");
            if (n.isEmpty()) continue; // no handler: nothing will fire
            list.add(a.irq() + " " + n + " → " + eff);
        }
        return list;
    }

    @Command(name = "report", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Report on VM-exit data, its format told by content: per reason count, share, rate (when the input",
                "has timestamps or a duration), time in exit (min/avg/max, when exits pair with entries), per vCPU,",
                "the MSR breakdown, and seed 001's diagnosis (tied to the VM from a recording or --xml).",
                "",
                "Examples:",
                "  kvmtune exits report exits.json",
                "  kvmtune exits report trace.txt --per-vcpu --format json",
                "  kvmtune exits report stap-e1000.txt --duration 1s --xml web1.xml"})
    static final class Report implements Callable<Integer> {
        @ParentCommand
        ExitsCommand exits;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Inputs; each is reported on its own.")
        List<Path> files;

        @Option(names = "--per-vcpu", description = "Per vCPU (or thread) totals and top reasons.")
        boolean perVcpu;

        @Mixin
        InputOptions input;

        @Option(names = "--xml", paramLabel = "FILE", description = "The VM's libvirt domain XML, for the diagnosis.")
        Path xml;

        @Override
        public Integer call() {
            List<ExitProfile> ps = read(files, input.isa(), input.duration, xml, spec.commandLine().getErr());
            PrintWriter o = spec.commandLine().getOut();
            List<ExitReport> rs = ps.stream().map(p -> ExitReport.of(p, perVcpu)).toList();
            if (exits.parent.format == OutputFormat.json) o.print(Json.write(rs.size() == 1 ? rs.get(0) : rs));
            else {
                for (int i = 0; i < rs.size(); i++) {
                    if (i > 0) o.println();
                    o.print(ExitsText.report(rs.get(i)));
                }
            }
            o.flush();
            return ExitCodes.OK;
        }
    }

    /** What report and diff need to read inputs that do not say it themselves. */
    static final class InputOptions {
        @Option(names = "--duration", converter = Converters.Seconds.class, paramLabel = "DURATION",
                description = "What each input covers, for inputs without timestamps (systemtap, hist, perf kvm stat).")
        Duration duration;

        @Option(names = "--isa", paramLabel = "vmx|svm", description = "How raw exit_reason numbers are decoded (hist triggers; default vmx).")
        String isa;

        Isa isa() {
            if (isa == null) return null;
            return switch (isa.toLowerCase(java.util.Locale.ROOT)) {
                case "vmx", "intel" -> Isa.VMX;
                case "svm", "amd" -> Isa.SVM;
                default -> throw new BadInputException("--isa takes vmx or svm, not " + isa);
            };
        }
    }

    @Command(name = "diff", addMethodSubcommands = false, mixinStandardHelpOptions = true,
            description = {"Compare runs side by side, seed 001 style (e1000 vs virtio-net vs vhost): each reason's rate (or count",
                "when a run has no duration) per run with the ratio to the first, and an SVG bar chart (log scale).",
                "",
                "Examples:",
                "  kvmtune exits diff e1000.json virtio.json vhost.json -o nic.svg",
                "  kvmtune exits diff ide.txt virtio-blk.txt --duration 1s"})
    static final class Diff implements Callable<Integer> {
        @ParentCommand
        ExitsCommand exits;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "FILE", description = "Two or more inputs; the first is the base.")
        List<Path> files;

        @Option(names = {"-o", "--output"}, paramLabel = "SVG", description = "Write the bar chart here.")
        Path chart;

        @Mixin
        InputOptions input;

        @Option(names = "--title", defaultValue = "VM exits", description = "Chart title (default: ${DEFAULT-VALUE}).")
        String title;

        @Override
        public Integer call() throws IOException {
            List<ExitProfile> ps = read(files, input.isa(), input.duration, null, spec.commandLine().getErr());
            ExitsText.Comparison c = ExitsText.compare(ps);
            PrintWriter o = spec.commandLine().getOut();
            Formatted.print(o, exits.parent.format, () -> c, () -> ExitsText.diff(c));
            o.flush();
            if (chart != null) {
                // The comparison's rows are already in the chart's order (largest first).
                Map<String, double[]> bars = new LinkedHashMap<>();
                for (ExitsText.Row r : c.rows()) bars.put(r.name(), r.values().stream().mapToDouble(Double::doubleValue).toArray());
                OutputFile.writeText(chart, ExitChart.svg(title, c.labels(), bars, c.unit()));
                spec.commandLine().getErr().println("kvmtune: wrote " + chart);
                spec.commandLine().getErr().flush();
            }
            return ExitCodes.OK;
        }
    }
}
