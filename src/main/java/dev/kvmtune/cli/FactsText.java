package dev.kvmtune.cli;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.cpu.CoreClasses;
import dev.kvmtune.facts.cpu.CpuSummary;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.numa.HugepagePool;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.power.PowerFacts;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The text form of {@code kvmtune facts}: sections a person reads top to bottom. */
final class FactsText {
    private final StringBuilder sb = new StringBuilder();

    private FactsText() {
    }

    static String render(HostFacts f) {
        FactsText t = new FactsText();
        t.all(f);
        return t.sb.toString();
    }

    private void line(String text) {
        sb.append(text).append('\n');
    }

    /**
     * One table row: two spaces, then the cells separated by a space, each left-aligned in its width
     * (0: as wide as it is). Plain padding, as in {@link #kv}: String.format is the slowest thing in a
     * cold JVM's text output.
     */
    private void row(int[] widths, Object... cells) {
        sb.append(' ');
        for (int i = 0; i < cells.length; i++) {
            String c = String.valueOf(cells[i]);
            sb.append(' ').append(c);
            for (int n = c.length(); n < widths[i]; n++) sb.append(' ');
        }
        sb.append('\n');
    }

    private static final int[] CPU_COLUMNS = {4, 6, 7, 4, 8, 5, 8, 5};
    private static final int[] IRQ_COLUMNS = {6, 14, 12, 12, 0, 0};
    private static final int[] IRQ_OTHER_COLUMNS = {6, 14, 0};
    private static final int[] KERNEL_THREAD_COLUMNS = {7, 22, 14, 0, 3, 0, 10, 0, 0};
    private static final int[] USER_THREAD_COLUMNS = {7, 7, 16, 14, 0, 10, 0, 0};
    private static final int[] BLOCK_COLUMNS = {10, 0, 12, 0};

    private void head(String title) {
        if (sb.length() > 0) sb.append('\n');
        sb.append(title).append('\n');
    }

    private void kv(String key, Object value) {
        // plain padding: String.format is the slowest thing in a cold JVM's text output
        sb.append("  ").append(key);
        for (int i = key.length(); i < 26; i++) sb.append(' ');
        sb.append(' ').append(value).append('\n');
    }

    private void all(HostFacts f) {
        line("Host facts from " + f.root());
        cpu(f);
        numa(f);
        kernel(f);
        isolation(f);
        power(f);
        memory(f);
        sysctls(f);
        interrupts(f);
        threads(f);
        block(f);
        if (!f.unreadable().isEmpty()) {
            head("Unreadable");
            f.unreadable().forEach((p, why) -> line("  " + p + ": " + why));
        }
    }

    private void cpu(HostFacts f) {
        HostFacts.Cpu c = f.cpu();
        head("CPU");
        if (c.identity() != null) {
            kv("Architecture", c.identity().arch() == null ? "unknown (cpuinfo of no known layout)" : c.identity().arch());
            kv("Vendor", nz(c.identity().vendor()));
            kv("Model name", nz(c.identity().modelName()));
            if (!c.identity().relevant().isEmpty()) {
                kv("Flags (relevant)", c.identity().relevant().entrySet().stream()
                        .map(e -> e.getKey() + (e.getValue() ? "+" : "-")).collect(Collectors.joining(" ")));
            }
        } else {
            kv("Identity", "unknown (proc/cpuinfo missing)");
        }
        kv("Present / online", c.lists().present() + " / " + c.lists().online());
        // the kernel's offline file also lists possible CPUs that are not present (empty hot-plug
        // slots); lscpu's "Off-line" is present and not online, and the slots are said apart
        if (c.lists().present().isPresent() && c.lists().online().isPresent()) {
            CpuSet off = c.lists().present().value().minus(c.lists().online().value());
            kv("Offline", off.isEmpty() ? "none" : off.toList());
            if (c.lists().possible().isPresent()) {
                CpuSet slots = c.lists().possible().value().minus(c.lists().present().value());
                if (!slots.isEmpty()) kv("Possible, not present", slots.toList());
            }
        } else {
            kv("Offline", c.lists().offline().isPresent() && c.lists().offline().value().isEmpty() ? "none" : c.lists().offline());
        }
        CpuSummary s = c.summary();
        kv("Sockets", s.sockets());
        kv("Cores per socket", s.coresPerSocket());
        kv("Threads per core", s.threadsPerCore());
        CoreClasses classes = CoreClasses.of(c.cpus());
        if (classes.heterogeneous()) kv("Core types (fastest first)", classes);
        kv("SMT active", c.smtActive().isPresent() ? c.smtActive().value() : s.smtActive() + " (from siblings)");
        for (CpuSummary.CacheTotal ct : s.caches()) {
            kv(ct.name() + " cache", (ct.totalBytes() == null ? "size not in the tree" : human(ct.totalBytes())) + " (" + ct.instances() + " instance"
                    + (ct.instances() == 1 ? "" : "s") + ")");
        }
        row(CPU_COLUMNS, "CPU", "online", "socket", "die", "cluster", "core", "siblings", "node");
        for (CpuTopology t : c.cpus()) {
            row(CPU_COLUMNS, t.cpu(), t.online() ? "yes" : "no", id(t.packageId()), id(t.dieId()),
                    id(t.clusterId()), id(t.coreId()), t.siblings() == null ? "?" : t.siblings(), id(t.node()));
        }
    }

    private void numa(HostFacts f) {
        head("NUMA");
        if (f.numa().isEmpty()) {
            line("  no NUMA information (sys/devices/system/node absent)");
            return;
        }
        for (NumaNode n : f.numa()) {
            StringBuilder hp = new StringBuilder();
            for (HugepagePool p : n.hugepages().values()) {
                hp.append(' ').append(pageSize(p.pageSizeKb())).append(": ").append(p.total()).append(" (free ").append(p.free()).append(')');
            }
            line("  node" + n.id() + " cpus "
                    + (n.cpus() == null ? "unknown" : !n.cpus().isEmpty() ? n.cpus() : n.memTotalKb() > 0 ? "none (memory only)" : "none")
                    + "  mem " + kb(n.memTotalKb()) + " total, " + kb(n.memFreeKb()) + " free  distances " + n.distances()
                    + "  hugepages" + (hp.length() == 0 ? " none" : hp));
        }
    }

    private void kernel(HostFacts f) {
        head("Kernel");
        var k = f.kernel();
        kv("Release", k.release());
        kv("Version", k.version());
        kv("Preemption", k.preemptModel() == null ? "unknown" : k.preemptModel() + (k.preemptRt().orElse(false) ? " (realtime)" : ""));
        kv("Command line", k.cmdline().isPresent() ? k.cmdline().value().raw() : k.cmdline().toString());
        if (k.bootLoader() != null) {
            kv("Boot loader (" + k.bootLoader().kind() + ")", k.bootLoader().cmdline().raw() + "  [" + k.bootLoader().source() + "]");
        } else {
            kv("Boot loader", "no readable configuration");
        }
        if (k.config() != null) {
            kv("Config", k.config().source());
            for (String o : List.of("CONFIG_PREEMPT_RT", "CONFIG_NO_HZ_FULL", "CONFIG_RCU_NOCB_CPU", "CONFIG_KSM", "CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_HZ")) {
                kv("  " + o, k.config().options().getOrDefault(o, "absent"));
            }
        } else {
            kv("Config", "unknown (no boot/config-<release> or proc/config.gz)");
        }
    }

    private void isolation(HostFacts f) {
        head("Isolation");
        IsolationReader.Isolation i = f.isolation();
        kv("Isolated (kernel)", set(i.isolated()));
        kv("nohz_full (kernel)", set(i.nohzFull()));
        kv("isolcpus=", req(i.isolcpus()));
        kv("nohz_full=", req(i.nohzFullParam()));
        kv("rcu_nocbs=", req(i.rcuNocbs()));
        kv("irqaffinity=", req(i.irqaffinity()));
    }

    private void power(HostFacts f) {
        head("Power and clocks");
        PowerFacts p = f.power();
        kv("cpuidle driver/governor", p.cpuidleDriver() + " / " + p.cpuidleGovernor());
        for (PowerFacts.CpuPower c : p.cpus()) {
            String states = c.idleStates().stream().map(s -> s.name() + "(" + s.latencyUs() + "us" + (s.disabled() ? ",off" : "") + ")")
                    .collect(Collectors.joining(" "));
            String cpu = Integer.toString(c.cpu());
            line("  cpu" + cpu + "   ".substring(Math.min(3, cpu.length())) + " idle: " + (states.isEmpty() ? "none" : states)
                    + "  cpufreq: " + nz(c.cpufreqDriver()) + "/" + nz(c.cpufreqGovernor()));
        }
        kv("intel_pstate", p.intelPstate());
        kv("Clocksource", p.clocksource() + " (available: " + (p.availableClocksources().isPresent() ? String.join(" ", p.availableClocksources().value()) : "unknown") + ")");
    }

    private void memory(HostFacts f) {
        head("Memory");
        var m = f.memory();
        Map<String, Long> mi = m.meminfo();
        kv("MemTotal / MemAvailable", kb(mi.getOrDefault("MemTotal", -1L)) + " / " + kb(mi.getOrDefault("MemAvailable", -1L)));
        kv("SwapTotal", kb(mi.getOrDefault("SwapTotal", -1L)));
        kv("Swap areas", m.swaps() == null ? "unknown" : m.swaps().isEmpty() ? "none" :
                m.swaps().stream().map(s -> s.filename() + " " + kb(s.sizeKb())).collect(Collectors.joining(", ")));
        kv("THP enabled / defrag", m.thpEnabled() + " / " + m.thpDefrag());
        kv("KSM run / shared / sharing", m.ksm().run() + " / " + m.ksm().pagesShared() + " / " + m.ksm().pagesSharing());
        kv("KSM merge_across_nodes", m.ksm().mergeAcrossNodes());
        for (HugepagePool p : m.hugepages().values()) {
            kv("Hugepages " + pageSize(p.pageSizeKb()), p.total() + " total, " + p.free() + " free, " + p.surplus() + " surplus");
        }
    }

    private void sysctls(HostFacts f) {
        head("Sysctls");
        f.sysctls().forEach((k, v) -> kv(k, v));
        if (f.tracing() != null) {
            kv("tracing current_tracer", f.tracing().currentTracer());
            kv("tracing tracing_on", f.tracing().tracingOn());
        } else {
            kv("tracing", "tracefs not mounted");
        }
    }

    private void interrupts(HostFacts f) {
        head("Interrupts");
        HostFacts.Interrupts in = f.interrupts();
        InterruptsReader.Table t = in.table();
        if (t == null) {
            line("  proc/interrupts unreadable");
        } else {
            Map<Integer, IrqAffinityReader.IrqAffinity> aff = new java.util.HashMap<>();
            for (IrqAffinityReader.IrqAffinity a : in.affinity()) aff.put(a.irq(), a);
            row(IRQ_COLUMNS, "IRQ", "total", "affinity", "effective", "chip / actions");
            for (InterruptsReader.Row r : t.rows()) {
                if (r.numbered()) {
                    long irq = Numbers.parseLong(r.irq(), -1);
                    IrqAffinityReader.IrqAffinity a = irq < 0 || irq > Integer.MAX_VALUE ? null : aff.get((int) irq);
                    row(IRQ_COLUMNS, r.irq(), r.total(), a == null ? "?" : shortSet(a.affinity()),
                            a == null ? "?" : shortSet(a.effective()), nz(r.chip()), String.join(",", r.actions()));
                } else {
                    row(IRQ_OTHER_COLUMNS, r.irq(), r.total(), nz(r.description()));
                }
            }
            if (t.malformed() > 0) line("  " + t.malformed() + " malformed line(s), first at " + t.firstMalformed());
        }
        kv("default_smp_affinity", set(in.defaultAffinity()));
        var ib = in.irqbalance();
        kv("irqbalance", (ib.running() ? "running (pid " + ib.pid() + ")" : "not running")
                + (ib.bannedCpus() != null ? ", banned CPUs " + ib.bannedCpus() + " [" + ib.bannedSource() + "]" : ""));
    }

    private void threads(HostFacts f) {
        head("Kernel threads (per CPU)");
        ThreadsReader.Threads th = f.threads();
        for (ThreadsReader.KernelThread k : th.kernel()) {
            if (k.boundCpu() < 0 && !k.kind().startsWith("rcu")) continue;
            row(KERNEL_THREAD_COLUMNS, k.pid(), k.name(), k.policy().chrtName(), "prio", k.priority(),
                    "allowed", k.allowed() == null ? "?" : k.allowed(), "last", k.lastCpu());
        }
        head("User threads on isolated CPUs " + (th.isolatedSetUsed().isEmpty() ? "(no CPUs isolated)" : th.isolatedSetUsed().toList()));
        if (th.onIsolated().isEmpty()) line("  none");
        for (ThreadsReader.UserThread u : th.onIsolated()) {
            row(USER_THREAD_COLUMNS, u.pid(), u.tid(), u.comm(), u.policy().chrtName(), "allowed", u.allowed(), "last", u.lastCpu());
        }
    }

    private void block(HostFacts f) {
        head("Block devices");
        if (f.block().isEmpty()) line("  none with an I/O scheduler");
        for (var b : f.block()) row(BLOCK_COLUMNS, b.name(), "scheduler", nz(b.scheduler()), "(available: " + String.join(" ", b.available()) + ")");
    }

    private static String req(IsolationReader.Requested r) {
        if (r == null) return "not given";
        List<String> parts = new ArrayList<>();
        parts.add(r.cpus() != null ? r.cpus().toList() : "unparseable '" + r.raw() + "' (" + r.error() + ")");
        if (!r.flags().isEmpty()) parts.add("flags " + String.join(",", r.flags()));
        return String.join(" ", parts);
    }

    private static String set(Sourced<CpuSet> s) {
        if (s.isPresent()) return s.value().isEmpty() ? "none" : s.value().toList();
        return s.toString();
    }

    private static String shortSet(Sourced<CpuSet> s) {
        return s.isPresent() ? s.value().toList() : "-";
    }

    private static String id(int v) {
        return v < 0 ? "-" : Integer.toString(v);
    }

    private static String nz(String s) {
        return s == null ? "unknown" : s;
    }

    static String kb(long kb) {
        return kb < 0 ? "unknown" : human(kb * 1024);
    }

    static String human(long bytes) {
        if (bytes < 0) return "unknown";
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) return bytes + " B";
        if (v == Math.rint(v)) return (long) v + " " + units[u];
        long tenths = Math.round(v * 10);
        return tenths / 10 + "." + tenths % 10 + " " + units[u];
    }

    private static String pageSize(long kb) {
        return kb >= 1024 * 1024 ? kb / (1024 * 1024) + "G" : kb >= 1024 ? kb / 1024 + "M" : kb + "K";
    }
}
