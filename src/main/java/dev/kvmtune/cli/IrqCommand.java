package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.cpu.IsolationReader;
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
@Command(name = "irq", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show interrupts per IRQ and per CPU. On the live host two readings of /proc/interrupts, /proc/softirqs",
            "and /proc/stat are taken --interval apart and counts are per second; a snapshot (or --interval 0) gives totals",
            "since boot, as lsirq does. Per IRQ: the count, where it landed, its affinity and effective affinity, its",
            "device's NUMA node, PCI device and NIC, whether the kernel manages it (debugfs), and the VMs whose pinned",
            "vCPUs' CPUs it hit (seed 001: each is an EXTERNAL_INTERRUPT exit). Per CPU: device IRQs, LOC/RES/CAL/TLB,",
            "hard and soft IRQ time (proc/stat), softirqs by type with --softirqs, and isolated / nohz_full / vCPU flags.",
            "",
            "Examples:",
            "  kvmtune irq",
            "  kvmtune irq --interval 10s --top 10 --softirqs",
            "  kvmtune irq --cpus 2-3 --format json",
            "  kvmtune irq --snapshot host.tar.gz"})
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

    @Override
    public Integer call() throws Exception {
        if (top != null && top <= 0) throw new BadInputException("--top must be positive");
        if (interval.isNegative()) throw new BadInputException("--interval must not be negative");
        IrqReport.Report report;
        try (Root root = parent.openRoot()) {
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
            }
            IsolationReader.Isolation iso = IsolationReader.read(root, null, -1);
            CpuSet nohz = iso.nohzFull() == null ? null : iso.nohzFull().value();
            report = IrqReport.build(root.describe(), first, second, IrqAffinityReader.read(root), IrqDevices.read(root), iso.kernelIsolated(), nohz,
                    vcpuCpus(root), cpus);
            if (tree) {
                var online = dev.kvmtune.facts.cpu.CpuTopologyReader.readLists(root).online();
                CpuSet on = online == null || online.value() == null ? null : online.value();
                report = report.withTree(IrqTree.build(dev.kvmtune.facts.cpu.CpuTopologyReader.read(root, on), report.cpus()));
            }
        }
        IrqReport.Report shown = top == null ? report : new IrqReport.Report(report.source(), report.seconds(),
                report.irqs().subList(0, Math.min(top, report.irqs().size())), report.cpus(), report.tree(), report.notes());
        PrintWriter out = spec.commandLine().getOut();
        Formatted.print(out, parent.format, () -> shown, () -> text(shown, softirqs));
        out.flush();
        return ExitCodes.OK;
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
