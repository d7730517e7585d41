package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.NetQueues;
import dev.kvmtune.plan.IrqPlanner;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.irq.IrqDevices;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.irq.IrqReport;
import dev.kvmtune.irq.IrqTree;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Printable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune irq}: where interrupts land, how often, and which VM they disturb. */
@Command(name = "irq", addMethodSubcommands = false, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show interrupts per IRQ and per CPU. On the live host two readings of /proc/interrupts, /proc/softirqs",
            "and /proc/stat are taken --interval apart and counts are per second; a snapshot gives rates from capture's",
            "second reading, or totals since boot (as lsirq) when it has none or with --interval 0. Per IRQ: the count,",
            "where it landed, its affinity and effective affinity, its device's NUMA node, PCI device and NIC, whether the",
            "kernel manages it (debugfs), and the VMs whose pinned vCPUs' CPUs it hit (seed 001: each is an",
            "EXTERNAL_INTERRUPT exit). Per CPU: device IRQs, LOC/RES/CAL/TLB, hard and soft IRQ time (proc/stat),",
            "softirqs by type with --softirqs, and isolated / nohz_full / vCPU flags.",
            "",
            "Examples:",
            "  kvmtune irq",
            "  kvmtune irq --interval 10s --top 10 --softirqs",
            "  kvmtune irq --cpus 2-3 --format json",
            "  kvmtune irq --snapshot host.tar.gz",
            "  kvmtune irq --plan --out /tmp/irqplan       then: sudo kvmtune apply /tmp/irqplan/plan.json --yes",
            "",
            "--plan keeps device interrupts off isolated, nohz_full and vCPU CPUs: movable IRQs that reach them to",
            "housekeeping CPUs of their device's node, each NIC queue IRQ to one housekeeping CPU spread by load,",
            "kernel-managed IRQs left alone and reported, RPS/XPS masks without those CPUs, irqbalance's banned list",
            "(IRQBALANCE_BANNED_CPULIST in /etc/default/irqbalance, or /etc/sysconfig/irqbalance on RHEL/Fedora).",
            "With --out it writes plan.json for 'kvmtune apply'; 'kvmtune rollback' undoes it."})
public final class IrqCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", converter = Converters.Seconds.class,
            description = "Time between the two readings on the live host; 0 for one reading (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--cpus", paramLabel = "LIST", converter = Converters.Cpus.class, description = "Count only these CPUs.")
    CpuSet cpus;

    @Option(names = "--top", paramLabel = "N", description = "Only the N busiest IRQs.")
    Integer top;

    @Option(names = "--softirqs", description = "Softirqs per CPU by type (NET_RX, TIMER, SCHED, RCU ...).")
    boolean softirqs;

    @Option(names = "--tree", description = "irqbalance's topology tree (node, package, cache domain, core, CPU) with the load at each level.")
    boolean tree;

    @Option(names = "--plan", description = "A balancing plan instead of the report (see above).")
    boolean plan;

    @Option(names = "--avoid", paramLabel = "LIST", converter = Converters.Cpus.class,
            description = "With --plan: keep these CPUs free too (for VMs not running yet).")
    CpuSet avoid;

    @Option(names = "--out", paramLabel = "DIR", description = "With --plan: write plan.json here, for 'kvmtune apply'.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if ((avoid != null || out != null) && !plan) throw new BadInputException((avoid != null ? "--avoid" : "--out") + " goes with --plan");
        if (top != null && top <= 0) throw new BadInputException("--top must be positive");
        if (interval.isNegative()) throw new BadInputException("--interval must not be negative");
        IrqReport.Report report;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "irq-read");
            t.setDaemon(true);
            return t;
        });
        try (Root root = parent.openRoot()) {
            // what does not depend on the counters is read beside them (a many-CPU host has a thousand proc/irq directories)
            var affinity = java.util.concurrent.CompletableFuture.supplyAsync(() -> IrqAffinityReader.read(root), pool);
            var devices = java.util.concurrent.CompletableFuture.supplyAsync(() -> IrqDevices.read(root), pool);
            var vcpuFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> vcpuCpus(root), pool);
            IrqReport.Reading first = IrqReport.Reading.of(root);
            if (first.interrupts() == null) throw new BadInputException(root.describe() + ": no proc/interrupts");
            if (first.interrupts().cpus().isEmpty()) {
                throw new BadInputException(root.describe() + ": proc/interrupts has no CPU header (" + first.interrupts().source() + ":1)");
            }
            IrqReport.Reading second = null;
            if (root.isLive() && !interval.isZero()) {
                var err = spec.commandLine().getErr();
                err.println("kvmtune: counting interrupts for " + interval.toMillis() / 1000.0 + " s ...");
                err.flush();
                Thread.sleep(interval.toMillis());
                second = IrqReport.Reading.of(root);
            } else if (!root.isLive() && !interval.isZero()) {
                second = IrqReport.Reading.later(root, first);
            }
            IsolationReader.Isolation iso = IsolationReader.read(root, null, -1);
            CpuSet nohz = iso.nohzFull() == null ? null : iso.nohzFull().value();
            Map<Integer, List<String>> vcpus = join(vcpuFuture);
            report = IrqReport.build(root.describe(), first, second, join(affinity), join(devices), iso.kernelIsolated(), nohz,
                    vcpus, plan ? null : cpus);
            if (plan) return plan(root, first, report, vcpus, iso, nohz);
            if (tree) {
                var online = dev.kvmtune.facts.cpu.CpuTopologyReader.readLists(root).online();
                CpuSet on = online == null || online.value() == null ? null : online.value();
                report = report.withTree(IrqTree.build(dev.kvmtune.facts.cpu.CpuTopologyReader.read(root, on), report.cpus()));
            }
        } finally {
            pool.shutdownNow();
        }
        IrqReport.Report shown = top == null ? report : new IrqReport.Report(report.source(), report.seconds(),
                report.irqs().subList(0, Math.min(top, report.irqs().size())), report.cpus(), report.tree(), report.notes());
        PrintWriter out = spec.commandLine().getOut();
        Formatted.print(out, parent.format, () -> shown, () -> text(shown, softirqs));
        out.flush();
        return ExitCodes.OK;
    }

    private int plan(Root root, IrqReport.Reading reading, IrqReport.Report report, Map<Integer, List<String>> vcpus,
                     IsolationReader.Isolation iso, CpuSet nohz) {
        HostFacts facts = HostFactsCollector.collect(root);
        List<IrqPlanner.Cpu> cpuList = new ArrayList<>();
        CpuSet online = facts.cpu().online();
        for (CpuTopology t : facts.cpu().cpus()) if (online.contains(t.cpu())) cpuList.add(new IrqPlanner.Cpu(t.cpu(), t.node()));
        Map<String, InterruptsReader.Row> rows = new java.util.HashMap<>();
        for (InterruptsReader.Row r : reading.interrupts().rows()) rows.putIfAbsent(r.irq(), r);
        List<IrqPlanner.Irq> irqs = new ArrayList<>();
        for (IrqReport.IrqRow r : report.irqs()) {
            InterruptsReader.Row raw = rows.get(r.irq());
            if (raw == null || !raw.numbered()) continue;
            long n = dev.kvmtune.util.Numbers.parseLong(r.irq(), -1);
            if (n < 0 || n > Integer.MAX_VALUE) continue;
            CpuSet aff = r.affinity() == null ? null : CpuSet.parseList(r.affinity());
            irqs.add(new IrqPlanner.Irq((int) n, r.name(), String.join(",", raw.actions()), aff, r.managed(), r.node(), r.nic(),
                    r.rate() != null ? r.rate() : r.count()));
        }
        CpuSet vcpuSet = vcpus.isEmpty() ? CpuSet.EMPTY : CpuSet.of(vcpus.keySet().stream().mapToInt(Integer::intValue).toArray());
        IrqPlanner.Input in = new IrqPlanner.Input(cpuList, iso.kernelIsolated(), nohz, vcpuSet, avoid, irqs, NetQueues.read(root));
        IrqPlanner.Result result;
        try {
            result = IrqPlanner.plan(in);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(root.describe() + ": " + e.getMessage() + " (--avoid names fewer CPUs)");
        }
        Plan p = IrqPlanner.toPlan(facts, in, result);
        if (out != null) {
            p = p.withFiles(List.of("plan.json"));
            PlanCommand.write(out, p, List.of());
        }
        Plan written = p;
        String hint = out == null ? null : root.isLive() || parent.rootDir != null
                ? new CommandHint(parent.rootDir, null).command("apply", out.resolve("plan.json").toString(), "--yes")
                : "kvmtune apply " + CommandHint.quote(out.resolve("plan.json").toString()) + " --yes  (on the host the snapshot was taken of)";
        PrintWriter o = spec.commandLine().getOut();
        Formatted.print(o, parent.format, () -> Map.of("plan", result, "settings", written.settings()), () -> planText(result, written, hint));
        o.flush();
        return ExitCodes.OK;
    }

    static String planText(IrqPlanner.Result r, Plan p, String hint) {
        StringBuilder sb = new StringBuilder();
        sb.append("housekeeping CPUs: ").append(r.housekeeping()).append('\n');
        sb.append("kept free:         ").append(r.banned().isEmpty() ? "none" : r.banned()).append('\n');
        sb.append('\n');
        if (r.moves().isEmpty()) sb.append("no IRQ to move\n");
        else {
            sb.append(String.format(Locale.ROOT, "%5s %-12s %-12s %s%n", "IRQ", "FROM", "TO", "NAME / WHY"));
            for (IrqPlanner.Move m : r.moves()) {
                sb.append(String.format(Locale.ROOT, "%5d %-12s %-12s %s%n", m.irq(), m.from(), m.to(),
                        (m.name() == null ? "" : Printable.line(m.name())) + " - " + m.why()));
            }
        }
        long managed = r.kept().stream().filter(k -> k.why().startsWith("kernel-managed")).count();
        sb.append(r.kept().size()).append(" IRQs stay where they are");
        if (managed > 0) sb.append(" (").append(managed).append(" kernel-managed)");
        sb.append('\n');
        for (IrqPlanner.Kept k : r.kept()) {
            if (k.why().startsWith("kernel-managed") || k.why().startsWith("its affinity")) {
                sb.append(String.format(Locale.ROOT, "%5d %-12s %s - %s%n", k.irq(), dash(k.affinity()), k.name() == null ? "" : Printable.line(k.name()), k.why()));
            }
        }
        if (!r.masks().isEmpty()) {
            sb.append('\n');
            for (IrqPlanner.MaskChange m : r.masks()) {
                sb.append(String.format(Locale.ROOT, "%s %s %s: %s -> %s%n", m.nic(), m.queue(), m.kind(), m.from(), m.to().isEmpty() ? "none (off)" : m.to()));
            }
        }
        sb.append('\n');
        for (String n : r.notes()) sb.append("note: ").append(n).append('\n');
        sb.append(p.settings().size()).append(" plan settings");
        sb.append(hint == null ? " (--out DIR writes plan.json for 'kvmtune apply')\n" : "; apply them: " + hint + "\n");
        return sb.toString();
    }

    /** The value, or the exception the reading threw, as it was thrown. */
    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw e;
        }
    }

    /** CPU to the VMs with a vCPU thread pinned to that CPU alone. */
    static Map<Integer, List<String>> vcpuCpus(Root root) {
        Map<Integer, List<String>> out = new TreeMap<>();
        for (VmFacts vm : VmDiscovery.discover(root, ProcessReader.allThreads(root))) {
            for (VmThread t : vm.byRole("vcpu")) {
                if (t.allowed() == null || t.allowed().size() != 1) continue;
                List<String> l = out.computeIfAbsent(t.allowed().first(), k -> new ArrayList<>());
                if (!l.contains(vm.label())) l.add(vm.label());
            }
        }
        return out;
    }

    static String text(IrqReport.Report r, boolean softirqs) {
        StringBuilder sb = new StringBuilder();
        boolean rates = r.seconds() != null;
        sb.append(String.format(Locale.ROOT, "%5s %12s %10s %-10s %-10s %4s %-14s %s%n", "IRQ", "TOTAL", rates ? "DELTA/s" : "DELTA", "AFFINITY",
                "EFFECTIVE", "NODE", "CPUS", "NAME"));
        for (IrqReport.IrqRow i : r.irqs()) {
            String where = i.perCpu().isEmpty() ? "-" : CpuSet.of(i.perCpu().keySet().stream().mapToInt(Integer::intValue).toArray()).toList();
            String name = i.name() == null ? "" : Printable.line(i.name());
            if (i.nic() != null) name += " [" + i.nic() + "]";
            if (Boolean.TRUE.equals(i.managed())) name += " (managed)";
            if (i.vms() != null) name += " -> vCPUs of " + String.join(",", i.vms());
            sb.append(String.format(Locale.ROOT, "%5s %12d %10s %-10s %-10s %4s %-14s %s%n", i.irq(), i.total(),
                    rates ? fmt(i.rate()) : "-", dash(i.affinity()), dash(i.effective()), i.node() == null ? "-" : i.node().toString(),
                    where, name).stripTrailing()).append('\n');
        }
        sb.append('\n');
        List<String> soft = new ArrayList<>();
        if (softirqs) {
            for (IrqReport.CpuRow c : r.cpus()) if (c.softirqs() != null) c.softirqs().keySet().forEach(k -> { if (!soft.contains(k)) soft.add(k); });
        }
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%4s %10s %9s %9s %9s %9s %6s %8s", "CPU", rates ? "DEV/s" : "DEV",
                "LOC", "RES", "CAL", "TLB", "IRQ%", "SOFTIRQ%"));
        for (String s : soft) head.append(String.format(Locale.ROOT, " %9s", s));
        sb.append(head).append(" FLAGS\n");
        for (IrqReport.CpuRow c : r.cpus()) {
            StringBuilder l = new StringBuilder(String.format(Locale.ROOT, "%4d %10s %9s %9s %9s %9s %6s %8s", c.cpu(), fmt(c.deviceIrqs()),
                    fmt(c.system().get("LOC")), fmt(c.system().get("RES")), fmt(c.system().get("CAL")), fmt(c.system().get("TLB")),
                    fmt(c.irqPercent()), fmt(c.softirqPercent())));
            for (String s : soft) l.append(String.format(Locale.ROOT, " %9s", fmt(c.softirqs() == null ? null : c.softirqs().get(s))));
            l.append(' ').append(String.join(",", c.flags()));
            sb.append(l.toString().stripTrailing()).append('\n');
        }
        if (r.tree() != null) sb.append('\n').append(r.tree().text());
        for (String n : r.notes()) sb.append("note: ").append(n).append('\n');
        sb.append(rates ? String.format(Locale.ROOT, "rates per second over %.2f s; TOTAL since boot%n", r.seconds())
                : "counts since boot; '-' where the source does not give it\n");
        return sb.toString();
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    private static String fmt(Double d) {
        if (d == null) return "-";
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : String.format(Locale.ROOT, "%.2f", d);
    }
}
