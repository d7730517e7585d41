package dev.kvmtune.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.irq.NetQueues;
import dev.kvmtune.settings.Applied;
import dev.kvmtune.settings.SettingKinds;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A balancing plan that keeps vCPU and isolated CPUs free of device interrupts (seed 001: an
 * interrupt on a vCPU's CPU is an EXTERNAL_INTERRUPT exit), as a pure function of the facts:
 * <ul>
 *   <li>the CPUs to keep free ({@code banned}): isolated, nohz_full, pinned vCPUs' and any asked for;
 *       the rest of the online CPUs are housekeeping;</li>
 *   <li>each NIC queue IRQ to one housekeeping CPU of the NIC's node, the busiest first onto the
 *       least loaded CPU (irqbalance's greedy placement, without its periodic moves);</li>
 *   <li>each other movable IRQ whose affinity reaches a banned CPU to the housekeeping CPUs of its
 *       device's node (all housekeeping CPUs when that node has none, or it is not known);</li>
 *   <li>kernel-managed IRQs left alone and reported: the kernel spreads them and refuses a new
 *       affinity ({@code isolcpus=managed_irq} is what keeps them off isolated CPUs);</li>
 *   <li>RPS and XPS masks with the banned CPUs taken out (an empty RPS mask turns RPS off: packets
 *       are then processed where the IRQ landed, on housekeeping);</li>
 *   <li>irqbalance's banned list, which replaces its own isolcpus/nohz_full detection rather than
 *       adding to it, so it names every banned CPU.</li>
 * </ul>
 * Same input, same plan: ties are broken by CPU and IRQ number.
 */
public final class IrqPlanner {

    /** An online CPU and its NUMA node (-1 when not known). */
    public record Cpu(int cpu, int node) {
    }

    /**
     * A numbered IRQ as the plan sees it.
     *
     * @param name     as irq shows it (chip, hardware IRQ, handlers)
     * @param handlers the handlers alone, comma-joined, as /proc/interrupts lists them
     * @param affinity its smp_affinity_list; null when it cannot be read (no proc/irq/N, no permission)
     * @param managed  kernel-managed (debugfs); null when not known
     * @param node     its device's NUMA node; null when not known
     * @param nic      the network interface it serves, null for other devices
     * @param load     its weight when NIC IRQs are spread: the rate, or the count since boot
     */
    public record Irq(int irq, String name, String handlers, CpuSet affinity, Boolean managed, Integer node, String nic, double load) {
    }

    /**
     * @param cpus     the online CPUs
     * @param isolated isolcpus (domain or managed_irq)
     * @param nohzFull nohz_full CPUs
     * @param vcpus    CPUs that a running VM's vCPU is pinned to
     * @param avoid    further CPUs to keep free (VMs not yet started)
     */
    public record Input(List<Cpu> cpus, CpuSet isolated, CpuSet nohzFull, CpuSet vcpus, CpuSet avoid, List<Irq> irqs,
                        List<NetQueues.Queue> queues) {
        public Input {
            cpus = List.copyOf(cpus);
            irqs = List.copyOf(irqs);
            queues = List.copyOf(queues);
        }
    }

    /** An IRQ given a new affinity. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Move(int irq, String name, String nic, String from, String to, String why) {
    }

    /** An IRQ left where it is, and why. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Kept(int irq, String name, String affinity, String why) {
    }

    /** A steering mask with the banned CPUs taken out. */
    public record MaskChange(String nic, String queue, String kind, String path, String from, String to) {
    }

    /**
     * @param banned what irqbalance is told to leave alone
     * @param moves  IRQs to move, in IRQ order
     * @param kept   IRQs left alone, in IRQ order
     */
    public record Result(String housekeeping, String banned, List<Move> moves, List<Kept> kept, List<MaskChange> masks, List<String> notes) {
    }

    private IrqPlanner() {
    }

    /** @throws IllegalArgumentException when no online CPU is left for housekeeping */
    public static Result plan(Input in) {
        CpuSet online = CpuSet.EMPTY;
        Map<Integer, CpuSet> byNode = new TreeMap<>();
        for (Cpu c : in.cpus()) {
            online = online.union(CpuSet.of(c.cpu()));
            byNode.merge(c.node(), CpuSet.of(c.cpu()), CpuSet::union);
        }
        CpuSet banned = nz(in.isolated()).union(nz(in.nohzFull())).union(nz(in.vcpus())).union(nz(in.avoid())).intersect(online);
        CpuSet hk = online.minus(banned);
        if (hk.isEmpty()) {
            throw new IllegalArgumentException("every online CPU (" + online.toList() + ") is isolated, nohz_full, a vCPU's or avoided: "
                    + "no housekeeping CPU is left to take the interrupts");
        }
        List<String> notes = new ArrayList<>();
        List<Move> moves = new ArrayList<>();
        List<Kept> kept = new ArrayList<>();
        List<Irq> irqs = new ArrayList<>(in.irqs());
        irqs.sort(Comparator.comparingInt(Irq::irq));
        boolean unknownManaged = false;

        // NIC queue IRQs: the heaviest first, each to the least loaded housekeeping CPU of the NIC's node
        List<Irq> nic = new ArrayList<>();
        for (Irq i : irqs) if (queue(i) && movable(i)) nic.add(i);
        nic.sort(Comparator.comparingDouble(Irq::load).reversed().thenComparingInt(Irq::irq));
        Map<Integer, double[]> load = new TreeMap<>();
        Map<Integer, CpuSet> nicTarget = new TreeMap<>();
        for (Irq i : nic) {
            CpuSet candidates = local(hk, byNode, i.node());
            int best = -1;
            double[] bestLoad = null;
            for (int cpu : candidates) {
                double[] l = load.computeIfAbsent(cpu, k -> new double[2]);
                if (bestLoad == null || l[0] < bestLoad[0] || (l[0] == bestLoad[0] && l[1] < bestLoad[1])) {
                    best = cpu;
                    bestLoad = l;
                }
            }
            bestLoad[0] += Math.max(0, i.load());
            bestLoad[1] += 1;
            nicTarget.put(i.irq(), CpuSet.of(best));
        }

        for (Irq i : irqs) {
            String aff = i.affinity() == null ? null : i.affinity().toList();
            if (Boolean.TRUE.equals(i.managed())) {
                String why = i.affinity() != null && i.affinity().intersects(banned)
                        ? "kernel-managed: the kernel spreads it and refuses a new affinity; isolcpus=managed_irq keeps such IRQs off isolated CPUs"
                        : "kernel-managed";
                kept.add(new Kept(i.irq(), i.name(), aff, why));
                continue;
            }
            if (i.affinity() == null) {
                kept.add(new Kept(i.irq(), i.name(), null, "its affinity cannot be read"));
                continue;
            }
            if (i.managed() == null) unknownManaged = true;
            CpuSet to = nicTarget.get(i.irq());
            String why;
            if (to != null) {
                why = "queue of " + i.nic() + ": one housekeeping CPU" + (i.node() == null ? "" : " of node " + i.node()) + ", spread by load";
            } else if (i.affinity().intersects(banned)) {
                to = local(hk, byNode, i.node());
                why = "reaches " + i.affinity().intersect(banned).toList() + ", kept free";
            } else {
                kept.add(new Kept(i.irq(), i.name(), aff, "on housekeeping CPUs already"));
                continue;
            }
            if (to.equals(i.affinity())) kept.add(new Kept(i.irq(), i.name(), aff, "where the plan puts it already"));
            else moves.add(new Move(i.irq(), i.name(), i.nic(), aff, to.toList(), why));
        }
        if (unknownManaged) {
            notes.add("sys/kernel/debug/irq/irqs is not there (debugfs not mounted, or a kernel without CONFIG_GENERIC_IRQ_DEBUGFS), "
                    + "so kernel-managed IRQs cannot be told apart: the kernel refuses their new affinity, and apply reports them as kept where they are");
        }

        List<MaskChange> masks = new ArrayList<>();
        for (NetQueues.Queue q : in.queues()) {
            if (q.mask() == null || !q.mask().intersects(banned)) continue;
            CpuSet to = q.mask().minus(banned);
            masks.add(new MaskChange(q.nic(), q.queue(), q.kind(), q.path(), q.mask().toList(), to.isEmpty() ? "" : to.toList()));
        }
        if (masks.stream().anyMatch(m -> m.kind().equals("rps") && m.to().isEmpty())) {
            notes.add("an RPS mask left empty turns RPS off for that queue: its packets are processed on the CPU its IRQ lands on");
        }
        if (!banned.isEmpty()) {
            notes.add("IRQBALANCE_BANNED_CPULIST replaces irqbalance's own isolcpus/nohz_full detection, so it lists every CPU kept free: "
                    + banned.toList());
        } else {
            notes.add("no CPU is isolated, nohz_full or pinned to a vCPU: nothing to keep free (--avoid LIST names CPUs for VMs not running yet)");
        }
        return new Result(hk.toList(), banned.isEmpty() ? "" : banned.toList(), moves, kept, masks, notes);
    }

    /** The profile name irq plans carry: apply and its journal show it. */
    public static final String PROFILE = "irq-balance";

    /**
     * The result as a kvmtune plan, for {@code apply}: the default affinity of new IRQs, each IRQ to
     * move ({@code irq-affinity irq/N}, titled with its handlers so that apply leaves an IRQ number
     * that now belongs to another device alone), each RPS/XPS mask ({@code sysfs}), and irqbalance's
     * banned CPUs ({@code service irqbalance}).
     */
    public static Plan toPlan(HostFacts facts, Input in, Result r) {
        Plan.HostSummary host = Planner.hostSummary(facts);
        CpuSet hk = CpuSet.parseList(r.housekeeping());
        CpuSet banned = r.banned().isEmpty() ? CpuSet.EMPTY : CpuSet.parseList(r.banned());
        List<Partition.CpuRow> rows = new ArrayList<>();
        CpuSet online = facts.cpu().online();
        for (CpuTopology t : facts.cpu().cpus()) {
            String role = !online.contains(t.cpu()) ? "offline" : banned.contains(t.cpu()) ? "isolated" : "housekeeping";
            rows.add(new Partition.CpuRow(t.cpu(), t.packageId(), t.coreId(), t.node(), role, null, null));
        }
        CpuSet offline = CpuSet.range(0, Math.max(0, host.cpus() - 1)).minus(online);
        Partition partition = new Partition(hk, banned, offline, rows, List.of(), List.of(), List.of());
        List<PlannedSetting> settings = new ArrayList<>();
        Applied sysfs = SettingKinds.APPLIED.get("sysfs");
        // each move is titled with the IRQ's handlers as /proc/interrupts lists them: what apply compares before it moves the IRQ
        Map<Integer, String> handlers = new TreeMap<>();
        for (Irq i : in.irqs()) handlers.putIfAbsent(i.irq(), i.handlers());
        if (!banned.isEmpty()) {
            settings.add(new PlannedSetting("irq-affinity", "default", hk.toList(), null, "irq.plan.default", false,
                    "new IRQs start on housekeeping CPUs"));
        }
        for (Move m : r.moves()) {
            settings.add(new PlannedSetting("irq-affinity", "irq/" + m.irq(), m.to(), null, "irq.plan", false, handlers.get(m.irq())));
        }
        for (MaskChange m : r.masks()) {
            settings.add(new PlannedSetting("sysfs", m.path(), sysfs.planValue(m.path(), m.to(), host.cpus()), null, "irq.plan." + m.kind(), false,
                    m.kind().toUpperCase(java.util.Locale.ROOT) + " of " + m.nic() + " " + m.queue() + " off the CPUs kept free"));
        }
        if (!banned.isEmpty()) {
            settings.add(new PlannedSetting("service", "irqbalance", "any banned=" + banned.toList(), null, "irq.plan.irqbalance", false,
                    "irqbalance leaves the CPUs kept free alone"));
        }
        List<String> notes = new ArrayList<>(r.notes());
        for (Kept k : r.kept()) {
            if (k.why().startsWith("kernel-managed")) notes.add("IRQ " + k.irq() + " (" + k.name() + ") left alone: " + k.why());
        }
        return new Plan(Plan.SCHEMA, PROFILE, facts.root(), host, partition, settings, List.of(), notes);
    }


    /** A NIC's queue IRQ: not its configuration (link change) vector, which fires rarely and stays with the other device IRQs. */
    static boolean queue(Irq i) {
        return i.nic() != null && (i.handlers() == null || !i.handlers().endsWith("-config"));
    }

    private static boolean movable(Irq i) {
        return !Boolean.TRUE.equals(i.managed()) && i.affinity() != null;
    }

    /** The housekeeping CPUs of a node, or all of them when the node has none or is not known. */
    private static CpuSet local(CpuSet hk, Map<Integer, CpuSet> byNode, Integer node) {
        if (node == null) return hk;
        CpuSet there = byNode.getOrDefault(node, CpuSet.EMPTY).intersect(hk);
        return there.isEmpty() ? hk : there;
    }

    private static CpuSet nz(CpuSet s) {
        return s == null ? CpuSet.EMPTY : s;
    }
}
