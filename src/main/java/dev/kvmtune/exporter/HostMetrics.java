package dev.kvmtune.exporter;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.memory.VmMemory;
import dev.kvmtune.facts.proc.SchedstatReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.latency.CyclictestRun;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.util.CpuSet;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reading of a host as Prometheus metric families: the audit's findings, interrupts on the
 * CPUs that matter, each VM's vCPU run-queue delay and memory, and the last latency result.
 * Labels stay bounded: rule and severity, CPU (only isolated, nohz_full and vCPU CPUs, or every
 * CPU of a host that has none), interrupt class (not one series per IRQ), VM, vCPU, NUMA node.
 */
public final class HostMetrics {
    private HostMetrics() {
    }

    /** Families in a fixed order; each part adds nothing when its source is absent. */
    public static List<MetricSnapshot> of(Root root, HostFacts facts, Audit.Report audit, LatencyResult latency) {
        List<MetricSnapshot> out = new ArrayList<>();
        if (audit != null) audit(audit, facts, out);
        CpuSet vcpus = CpuSet.EMPTY;
        for (CpuSet c : vcpuCpus(facts).values()) vcpus = vcpus.union(c);
        CpuSet watched = facts.kernelIsolated().union(vcpus);
        if (watched.isEmpty()) watched = facts.cpu().online();
        cpuRoles(facts, vcpus, out);
        if (facts.interrupts() != null && facts.interrupts().table() != null) interrupts(facts.interrupts().table(), watched, out);
        vms(root, facts, out);
        if (latency != null) latency(latency, out);
        return out;
    }

    private static Map<String, CpuSet> vcpuCpus(HostFacts facts) {
        Map<String, CpuSet> out = new LinkedHashMap<>();
        CpuSet online = facts.cpu().online();
        for (VmFacts v : facts.vms()) {
            if (v.vm().pid() == null) continue;
            CpuSet s = CpuSet.EMPTY;
            for (VmThread t : v.byRole("vcpu")) if (t.allowed() != null && !t.allowed().equals(online)) s = s.union(t.allowed());
            if (!s.isEmpty()) out.put(v.label(), s);
        }
        return out;
    }

    private static void audit(Audit.Report r, HostFacts facts, List<MetricSnapshot> out) {
        Map<List<String>, Integer> counts = new TreeMap<>((a, b) -> (a.get(0) + "\0" + a.get(1)).compareTo(b.get(0) + "\0" + b.get(1)));
        for (Finding f : r.findings()) counts.merge(List.of(f.id(), f.severity().name().toLowerCase(Locale.ROOT)), 1, Integer::sum);
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("kvmtune_audit_findings")
                .help("Findings of the last audit by rule id and severity (pass, info, warn, fail); a rule that does not apply to this host has none");
        counts.forEach((k, v) -> g.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("rule", k.get(0), "severity", k.get(1))).value(v).build()));
        out.add(g.build());
        out.add(InfoSnapshot.builder().name("kvmtune_audit").help("The profile the audit ran, the kernel, and the CPUs the audit judged as isolated (kvmtune_cpu_role has the kernel's)")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("profile", r.profile() == null ? "" : r.profile(),
                        "kernel", facts.kernel() == null || facts.kernel().release() == null ? "" : facts.kernel().release().orElse(""),
                        "isolated", r.isolated() == null ? "" : r.isolated())).build())
                .build());
    }

    /** @param vcpu the CPUs a running VM's vCPUs are pinned to */
    private static void cpuRoles(HostFacts facts, CpuSet vcpu, List<MetricSnapshot> out) {
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("kvmtune_cpu_role")
                .help("1 for each role a CPU has: isolated (isolcpus), nohz_full, vcpu (a running VM's vCPU is pinned there), housekeeping");
        CpuSet isolated = facts.isolation() == null || facts.isolation().isolated() == null ? CpuSet.EMPTY : facts.isolation().isolated().orElse(CpuSet.EMPTY);
        CpuSet nohz = facts.isolation() == null || facts.isolation().nohzFull() == null ? CpuSet.EMPTY : facts.isolation().nohzFull().orElse(CpuSet.EMPTY);
        CpuSet online = facts.cpu().online();
        for (int cpu : online.toArray()) {
            String c = Integer.toString(cpu);
            if (isolated.contains(cpu)) g.dataPoint(point(1, "cpu", c, "role", "isolated"));
            if (nohz.contains(cpu)) g.dataPoint(point(1, "cpu", c, "role", "nohz_full"));
            if (vcpu.contains(cpu)) g.dataPoint(point(1, "cpu", c, "role", "vcpu"));
            if (!isolated.contains(cpu) && !nohz.contains(cpu) && !vcpu.contains(cpu)) g.dataPoint(point(1, "cpu", c, "role", "housekeeping"));
        }
        out.add(g.build());
    }

    /**
     * Per watched CPU: local timer interrupts (the tick: x86 LOC, an arch_timer IRQ on arm64), IPIs
     * by kind, and device interrupts summed over every numbered IRQ.
     */
    static void interrupts(InterruptsReader.Table t, CpuSet watched, List<MetricSnapshot> out) {
        Map<Integer, Long> timer = new TreeMap<>();
        Map<Integer, Long> device = new TreeMap<>();
        Map<Integer, Map<String, Long>> ipis = new TreeMap<>();
        boolean timerSeen = false;
        for (InterruptsReader.Row r : t.rows()) {
            boolean isTimer = r.irq().equals("LOC") || (r.numbered() && r.actions() != null && r.actions().stream().anyMatch(a -> a.startsWith("arch_timer")));
            String ipi = r.numbered() ? null : ipiKind(r);
            if (!isTimer && ipi == null && !r.numbered()) continue;
            timerSeen |= isTimer;
            for (int i = 0; i < r.counts().length && i < t.cpus().size(); i++) {
                int cpu = t.cpus().get(i);
                if (!watched.contains(cpu)) continue;
                long v = r.counts()[i];
                if (isTimer) timer.merge(cpu, v, Long::sum);
                else if (ipi != null) ipis.computeIfAbsent(cpu, k -> new TreeMap<>()).merge(ipi, v, Long::sum);
                else device.merge(cpu, v, Long::sum);
            }
        }
        if (timerSeen) {
            CounterSnapshot.Builder c = CounterSnapshot.builder().name("kvmtune_cpu_local_timer_interrupts")
                    .help("Local timer interrupts (the scheduler tick and hrtimers) per CPU since boot, from /proc/interrupts LOC or arch_timer");
            timer.forEach((cpu, v) -> c.dataPoint(counter(v, "cpu", cpu.toString())));
            out.add(c.build());
        }
        CounterSnapshot.Builder ip = CounterSnapshot.builder().name("kvmtune_cpu_ipis")
                .help("Inter-processor interrupts per CPU and kind (reschedule, function_call, tlb_shootdown, irq_work, timer_broadcast, posted_interrupt, other) since boot");
        ipis.forEach((cpu, m) -> m.forEach((k, v) -> ip.dataPoint(counter(v, "cpu", cpu.toString(), "kind", k))));
        out.add(ip.build());
        CounterSnapshot.Builder d = CounterSnapshot.builder().name("kvmtune_cpu_device_interrupts")
                .help("Device interrupts (every numbered IRQ but the timer's) per CPU since boot; kvmtune irq shows which");
        device.forEach((cpu, v) -> d.dataPoint(counter(v, "cpu", cpu.toString())));
        out.add(d.build());
    }

    /** The kind of a named /proc/interrupts row that is an IPI, from its description; null for the rest (NMI, ERR, spurious, ...). */
    static String ipiKind(InterruptsReader.Row r) {
        String d = r.description() == null ? "" : r.description().toLowerCase(Locale.ROOT);
        if (d.contains("rescheduling")) return "reschedule";
        if (d.contains("function call")) return "function_call";
        if (d.contains("tlb")) return "tlb_shootdown";
        if (d.contains("irq work")) return "irq_work";
        if (d.contains("timer broadcast")) return "timer_broadcast";
        if (d.contains("posted-interrupt")) return "posted_interrupt";
        if (r.irq().startsWith("IPI")) return "other";
        return null;
    }

    private static void vms(Root root, HostFacts facts, List<MetricSnapshot> out) {
        CounterSnapshot.Builder delay = CounterSnapshot.builder().name("kvmtune_vm_vcpu_run_delay_seconds").unit(Unit.SECONDS)
                .help("Time each vCPU thread waited on a run queue while runnable, since it started (/proc/PID/task/TID/schedstat)");
        CounterSnapshot.Builder run = CounterSnapshot.builder().name("kvmtune_vm_vcpu_run_seconds").unit(Unit.SECONDS)
                .help("Time each vCPU thread ran on a CPU since it started (schedstat)");
        GaugeSnapshot.Builder guest = GaugeSnapshot.builder().name("kvmtune_vm_guest_memory_bytes").unit(Unit.BYTES)
                .help("Guest RAM the VM was given (-m or the domain's memory)");
        GaugeSnapshot.Builder rss = GaugeSnapshot.builder().name("kvmtune_vm_resident_bytes").unit(Unit.BYTES)
                .help("Resident memory of the VM's QEMU process, hugetlb pages not included (VmRSS)");
        GaugeSnapshot.Builder huge = GaugeSnapshot.builder().name("kvmtune_vm_hugetlb_bytes").unit(Unit.BYTES)
                .help("Hugetlb memory the VM's QEMU process maps (HugetlbPages)");
        GaugeSnapshot.Builder node = GaugeSnapshot.builder().name("kvmtune_vm_memory_node_bytes").unit(Unit.BYTES)
                .help("Resident memory of the VM's QEMU process per NUMA node, hugetlb included (numa_maps)");
        GaugeSnapshot.Builder local = GaugeSnapshot.builder().name("kvmtune_vm_memory_local_ratio")
                .help("Share (0 to 1) of the VM's resident memory on the NUMA nodes its vCPUs are pinned to; absent when they are not pinned");
        GaugeSnapshot.Builder vcpus = GaugeSnapshot.builder().name("kvmtune_vm_vcpus").help("vCPU threads of each running VM");
        ProcessMemoryReader.Options mem = new ProcessMemoryReader.Options(ProcessMemoryReader.Depth.STATUS, true, false, false, true, Duration.ofSeconds(2));
        for (VmFacts v : facts.vms()) {
            if (v.vm().pid() == null || !"running".equals(v.state())) continue;
            String name = v.label();
            int pid = v.vm().pid();
            List<VmThread> cpus = v.byRole("vcpu");
            vcpus.dataPoint(gauge(cpus.size(), "vm", name));
            for (VmThread t : cpus) {
                if (t.vcpu() == null) continue;
                if (SchedstatReader.read(root, pid, t.tid()) instanceof SchedstatReader.Read r) {
                    delay.dataPoint(counter(r.value().waitNs() / 1e9, "vm", name, "vcpu", t.vcpu().toString()));
                    run.dataPoint(counter(r.value().runNs() / 1e9, "vm", name, "vcpu", t.vcpu().toString()));
                }
            }
            ProcessMemory p = ProcessMemoryReader.readPid(root, pid, mem).orElse(null);
            VmMemory m = VmMemory.of(v, p, facts.numa());
            if (m.guestKb() != null) guest.dataPoint(gauge(m.guestKb() * 1024.0, "vm", name));
            if (m.rssKb() != null) rss.dataPoint(gauge(m.rssKb() * 1024.0, "vm", name));
            if (m.hugetlbKb() != null) huge.dataPoint(gauge(m.hugetlbKb() * 1024.0, "vm", name));
            if (m.kbByNode() != null) {
                for (Map.Entry<Integer, Long> e : new TreeMap<>(m.kbByNode()).entrySet()) {
                    node.dataPoint(gauge(e.getValue() * 1024.0, "vm", name, "node", e.getKey().toString()));
                }
            }
            if (m.localPercent() != null) local.dataPoint(gauge(m.localPercent() / 100.0, "vm", name));
        }
        out.add(vcpus.build());
        out.add(delay.build());
        out.add(run.build());
        out.add(guest.build());
        out.add(rss.build());
        out.add(huge.build());
        out.add(node.build());
        out.add(local.build());
    }

    /** A latency result and when it was written. */
    public record LatencyResult(String path, CyclictestRun run, long modifiedMillis) {
    }

    private static void latency(LatencyResult l, List<MetricSnapshot> out) {
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name("kvmtune_latency_max_seconds").unit(Unit.SECONDS)
                .help("Worst wake-up latency per cyclictest thread in the last latency result (kvmtune latency run or measure), with the CPU it ran on");
        GaugeSnapshot.Builder p99 = GaugeSnapshot.builder().name("kvmtune_latency_p99_seconds").unit(Unit.SECONDS)
                .help("99th percentile wake-up latency per cyclictest thread in the last latency result; absent when it fell among the histogram's overflows");
        GaugeSnapshot.Builder samples = GaugeSnapshot.builder().name("kvmtune_latency_samples")
                .help("Wake-ups measured per cyclictest thread in the last latency result");
        for (CyclictestRun.ThreadResult t : l.run().threads()) {
            // cyclictest's thread number, and the CPU it was bound to ("" when the result does not say)
            String[] labels = {"thread", Integer.toString(t.thread()), "cpu", t.cpu() == null ? "" : t.cpu().toString()};
            max.dataPoint(gauge(t.max() / 1e6, labels));
            samples.dataPoint(gauge(t.samples(), labels));
            CyclictestRun.Percentile p = t.percentiles() == null ? null : t.percentiles().get("p99");
            if (p != null && !p.atLeast()) p99.dataPoint(gauge(p.us() / 1e6, labels));
        }
        out.add(max.build());
        out.add(p99.build());
        out.add(samples.build());
        out.add(GaugeSnapshot.builder().name("kvmtune_latency_result_timestamp_seconds").unit(Unit.SECONDS)
                .help("When the last latency result was written (Unix time of its file)")
                .dataPoint(gauge(l.modifiedMillis() / 1000.0)).build());
    }

    static GaugeDataPointSnapshot gauge(double v, String... labels) {
        return GaugeDataPointSnapshot.builder().labels(Labels.of(labels)).value(v).build();
    }

    private static GaugeDataPointSnapshot point(double v, String... labels) {
        return gauge(v, labels);
    }

    static CounterDataPointSnapshot counter(double v, String... labels) {
        return CounterDataPointSnapshot.builder().labels(Labels.of(labels)).value(v).build();
    }
}
