package dev.kvmtune.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.irq.CpuTimes;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.IrqAffinityReader;
import dev.kvmtune.facts.irq.IrqDevices;
import dev.kvmtune.facts.irq.SoftirqsReader;
import dev.kvmtune.facts.snapshot.Capture;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Interrupts per IRQ and per CPU. With two readings the counts are what happened between them and
 * rates are per second; with one (a snapshot, or {@code --interval 0}) they are totals since boot and
 * rates are absent.
 */
public final class IrqReport {
    /** The x86 and arm64 per-CPU system counters a VM host watches. */
    static final List<String> SYSTEM = List.of("LOC", "RES", "CAL", "TLB", "NMI", "IWI", "PMI", "IPI0", "IPI1", "IPI2", "IPI3", "IPI4", "IPI5", "IPI6");

    /** One reading of the three counters, with when it was taken. */
    public record Reading(InterruptsReader.Table interrupts, SoftirqsReader.Softirqs softirqs, CpuTimes times, long nanos) {
        public static Reading of(Root root) {
            long t = System.nanoTime();
            InterruptsReader.Table i = InterruptsReader.read(root);
            return new Reading(i, SoftirqsReader.read(root), CpuTimes.read(root), t);
        }

        /**
         * A snapshot's second reading ({@code capture --irq-interval}), timed {@code interval_ns} after
         * {@code first}; null when the snapshot has none.
         */
        public static Reading later(Root root, Reading first) {
            var ns = root.read(Capture.LATER_INTERVAL).map(String::strip).map(v -> dev.kvmtune.util.Numbers.parseLong(v, -1)).orElse(-1L);
            var data = root.readBytes(Capture.LATER + InterruptsReader.PATH);
            if (ns <= 0 || data.isEmpty()) return null;
            InterruptsReader.Table i = InterruptsReader.parse(data.get(), root.describe() + ":" + Capture.LATER + InterruptsReader.PATH);
            SoftirqsReader.Softirqs s = root.read(Capture.LATER + SoftirqsReader.PATH).map(SoftirqsReader::parse).orElse(null);
            CpuTimes c = root.read(Capture.LATER + CpuTimes.PATH).map(CpuTimes::parse).orElse(null);
            return new Reading(i, s, c, first.nanos() + ns);
        }
    }

    /**
     * One IRQ.
     *
     * @param count   interrupts over the interval (all since boot with one reading)
     * @param rate    per second over the interval; absent with one reading
     * @param perCpu  the count per CPU, CPUs that took none left out
     * @param movable device IRQs whose affinity may be changed: not kernel-managed; absent when unknown
     * @param vms     VMs whose pinned vCPUs run on a CPU that took some of them
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IrqRow(String irq, long total, long count, Double rate, Map<Integer, Long> perCpu, String chip, String name,
                         String affinity, String effective, Integer node, String pci, String nic, Boolean managed, Boolean movable,
                         List<String> vms) {
    }

    /**
     * One CPU.
     *
     * @param flags        isolated, nohz_full, vcpu:VM
     * @param deviceIrqs   device IRQs it took (per second with two readings)
     * @param system       LOC, RES, CAL, TLB, NMI ... it took (per second with two readings)
     * @param irqPercent   share of its time in hard IRQs (proc/stat; needs CONFIG_IRQ_TIME_ACCOUNTING)
     * @param softirqs     softirqs by type (NET_RX, TIMER, SCHED, RCU ...)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuRow(int cpu, List<String> flags, double deviceIrqs, Map<String, Double> system, Double irqPercent,
                         Double softirqPercent, Map<String, Double> softirqs) {
    }

    /** The whole report; {@code seconds} is absent with one reading. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String source, Double seconds, List<IrqRow> irqs, List<CpuRow> cpus, IrqTree tree, List<String> notes) {
        public Report withTree(IrqTree t) {
            return new Report(source, seconds, irqs, cpus, t, notes);
        }
    }

    private IrqReport() {
    }

    /**
     * @param second      the later reading, or null for totals since boot
     * @param vcpuCpus    CPU to the VMs whose vCPU is pinned there
     * @param only        CPUs to count (null: all)
     */
    public static Report build(String source, Reading first, Reading second, List<IrqAffinityReader.IrqAffinity> affinity,
                               Map<Integer, IrqDevices.Device> devices, CpuSet isolated, CpuSet nohzFull,
                               Map<Integer, List<String>> vcpuCpus, CpuSet only) {
        List<String> notes = new ArrayList<>();
        InterruptsReader.Table a = first.interrupts();
        InterruptsReader.Table b = second == null ? null : second.interrupts();
        Double seconds = second == null ? null : (second.nanos() - first.nanos()) / 1e9;
        if (b != null && !b.cpus().equals(a.cpus())) {
            notes.add("CPUs went on or off line between the readings: counts by CPU number, a CPU in only one reading left out");
        }
        Map<Integer, IrqAffinityReader.IrqAffinity> aff = new TreeMap<>();
        for (IrqAffinityReader.IrqAffinity x : affinity) aff.put(x.irq(), x);
        List<IrqRow> rows = new ArrayList<>();
        Map<Integer, double[]> cpuDev = new TreeMap<>();
        Map<Integer, Map<String, Double>> cpuSys = new TreeMap<>();
        TreeSet<Integer> cpus = new TreeSet<>(b != null ? b.cpus() : a.cpus());
        Map<Integer, Integer> aColumn = new java.util.HashMap<>();
        for (int i = 0; i < a.cpus().size(); i++) aColumn.putIfAbsent(a.cpus().get(i), i);
        Map<String, InterruptsReader.Row> earlier = new java.util.HashMap<>();
        if (b != null) for (InterruptsReader.Row r : a.rows()) earlier.putIfAbsent(r.irq(), r);
        List<Integer> cols = b != null ? b.cpus() : a.cpus();
        int[] colCpu = new int[cols.size()];
        int[] colBefore = new int[cols.size()];
        for (int i = 0; i < colCpu.length; i++) {
            colCpu[i] = cols.get(i);
            Integer j = aColumn.get(colCpu[i]);
            colBefore[i] = j == null ? -1 : j;
        }
        for (InterruptsReader.Row r : (b != null ? b : a).rows()) {
            InterruptsReader.Row before = earlier.get(r.irq());
            Map<Integer, Long> per = new TreeMap<>();
            long count = 0;
            long total = 0;
            long[] now = r.counts();
            long[] was = before == null ? null : before.counts();
            for (int i = 0; i < now.length && i < colCpu.length; i++) {
                int cpu = colCpu[i];
                if (only != null && !only.contains(cpu)) continue;
                long v = now[i];
                total += v;
                if (was != null) {
                    int j = colBefore[i];
                    if (j < 0 || j >= was.length) continue;
                    v -= was[j];
                    if (v < 0) v = 0; // a counter that went back: the IRQ was freed and requested again
                }
                if (v != 0) per.put(cpu, v);
                count += v;
            }
            if (b != null && before == null && r.numbered()) notes.add("IRQ " + r.irq() + " appeared between the readings: counted from zero");
            if (r.numbered()) {
                for (var e : per.entrySet()) cpuDev.computeIfAbsent(e.getKey(), k -> new double[1])[0] += e.getValue();
            } else if (SYSTEM.contains(r.irq())) {
                // a counter that did not move is 0 on every CPU it has a column for
                for (int i = 0; i < now.length && i < colCpu.length; i++) {
                    if (only == null || only.contains(colCpu[i])) cpuSys.computeIfAbsent(colCpu[i], k -> new LinkedHashMap<>()).putIfAbsent(r.irq(), 0.0);
                }
                for (var e : per.entrySet()) cpuSys.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).merge(r.irq(), (double) e.getValue(), Double::sum);
            }
            Integer n = r.numbered() ? parseIrq(r.irq()) : null;
            IrqAffinityReader.IrqAffinity x = n == null ? null : aff.get(n);
            IrqDevices.Device d = n == null ? null : devices.get(n);
            List<String> vms = new ArrayList<>();
            for (int cpu : per.keySet()) {
                for (String vm : vcpuCpus.getOrDefault(cpu, List.of())) if (!vms.contains(vm)) vms.add(vm);
            }
            Boolean managed = d == null ? null : d.managed();
            rows.add(new IrqRow(r.irq(), total, count, seconds == null ? null : round(count / seconds), per, r.chip(), name(r),
                    x == null || x.affinity() == null || x.affinity().value() == null ? null : x.affinity().value().toList(),
                    x == null || x.effective() == null || x.effective().value() == null ? null : x.effective().value().toList(),
                    d == null ? null : d.node(), d == null ? null : d.pci(), d == null ? null : d.nic(), managed,
                    r.numbered() ? (managed == null ? null : !managed) : null, vms.isEmpty() ? null : vms));
        }
        rows.sort((p, q) -> Long.compare(q.count(), p.count()));
        List<CpuRow> cpuRows = new ArrayList<>();
        boolean accounting = false;
        for (int cpu : cpus) {
            if (only != null && !only.contains(cpu)) continue;
            List<String> flags = new ArrayList<>();
            if (isolated != null && isolated.contains(cpu)) flags.add("isolated");
            if (nohzFull != null && nohzFull.contains(cpu)) flags.add("nohz_full");
            for (String vm : vcpuCpus.getOrDefault(cpu, List.of())) flags.add("vcpu:" + vm);
            double div = seconds == null ? 1 : seconds;
            Map<String, Double> sys = new LinkedHashMap<>();
            cpuSys.getOrDefault(cpu, Map.of()).forEach((k, v) -> sys.put(k, round(v / div)));
            Double irqPct = null;
            Double softPct = null;
            if (second != null && first.times() != null && second.times() != null) {
                Long i0 = first.times().irqTicks().get(cpu);
                Long i1 = second.times().irqTicks().get(cpu);
                Long s0 = first.times().softirqTicks().get(cpu);
                Long s1 = second.times().softirqTicks().get(cpu);
                if (i0 != null && i1 != null) irqPct = round(100.0 * (i1 - i0) / CpuTimes.USER_HZ / seconds);
                if (s0 != null && s1 != null) softPct = round(100.0 * (s1 - s0) / CpuTimes.USER_HZ / seconds);
            }
            CpuTimes t = (second != null ? second : first).times();
            if (t != null && (t.irqTicks().getOrDefault(cpu, 0L) > 0 || t.softirqTicks().getOrDefault(cpu, 0L) > 0)) accounting = true;
            Map<String, Double> soft = softirqs(first, second, cpu, div);
            cpuRows.add(new CpuRow(cpu, flags, round(cpuDev.getOrDefault(cpu, new double[1])[0] / div), sys, irqPct, softPct, soft));
        }
        if (!accounting && (second != null ? second : first).times() != null) {
            notes.add("proc/stat shows no irq or softirq time on any CPU: the kernel is built without CONFIG_IRQ_TIME_ACCOUNTING, "
                    + "so irqbalance's load measure is zero here and the time is charged to the interrupted tasks");
        }
        if (second == null) notes.add("one reading: counts are totals since boot; rates need two readings (--interval on the live host)");
        return new Report(source, seconds == null ? null : round(seconds), rows, cpuRows, null, notes);
    }

    private static Map<String, Double> softirqs(Reading first, Reading second, int cpu, double div) {
        SoftirqsReader.Softirqs s1 = (second != null ? second : first).softirqs();
        if (s1 == null) return null;
        SoftirqsReader.Softirqs s0 = second == null ? null : first.softirqs();
        int col = s1.cpus().indexOf(cpu);
        if (col < 0) return null;
        Map<String, Double> out = new LinkedHashMap<>();
        for (var e : s1.counts().entrySet()) {
            long[] now = e.getValue();
            if (col >= now.length) continue;
            long v = now[col];
            if (s0 != null) {
                long[] was = s0.counts().get(e.getKey());
                int c0 = s0.cpus().indexOf(cpu);
                if (was == null || c0 < 0 || c0 >= was.length) continue;
                v = Math.max(0, v - was[c0]);
            }
            out.put(e.getKey(), round(v / div));
        }
        return out;
    }

    /** lsirq's NAME: chip, hardware IRQ and trigger, then the handlers; a system row's description. */
    static String name(InterruptsReader.Row r) {
        if (!r.numbered()) return r.description();
        StringBuilder sb = new StringBuilder();
        if (r.chip() != null) sb.append(r.chip());
        if (r.hwirq() != null) {
            sb.append(' ').append(r.hwirq());
            if (r.trigger() != null) sb.append(r.trigger().equals("Edge") || r.trigger().equals("Level") ? " " : "-").append(r.trigger());
        }
        if (!r.actions().isEmpty()) sb.append(' ').append(String.join(", ", r.actions()));
        return sb.toString();
    }

    private static Integer parseIrq(String s) {
        long n = dev.kvmtune.util.Numbers.parseLong(s, -1);
        return n < 0 || n > Integer.MAX_VALUE ? null : (int) n;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
