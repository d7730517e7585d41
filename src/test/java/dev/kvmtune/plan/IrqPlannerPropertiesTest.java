package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.facts.irq.NetQueues;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The IRQ balancing plan, for random topologies, IRQ sets, masks and CPUs kept free. */
class IrqPlannerPropertiesTest {

    @Provide
    Arbitrary<IrqPlanner.Input> inputs() {
        return Arbitraries.randomValue(IrqPlannerPropertiesTest::input);
    }

    /** Up to 4 nodes of up to 64 CPUs (some offline), up to 300 IRQs of every kind, NIC queues with masks. */
    static IrqPlanner.Input input(Random r) {
        int nodes = 1 + r.nextInt(4);
        int perNode = 1 + r.nextInt(r.nextBoolean() ? 4 : 64);
        List<IrqPlanner.Cpu> cpus = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            for (int i = 0; i < perNode; i++) {
                if (r.nextInt(10) > 0) cpus.add(new IrqPlanner.Cpu(n * perNode + i, r.nextInt(20) == 0 ? -1 : n));
            }
        }
        if (cpus.isEmpty()) cpus.add(new IrqPlanner.Cpu(0, 0));
        int last = nodes * perNode - 1;
        CpuSet isolated = random(r, last, 0.3);
        CpuSet nohz = r.nextBoolean() ? isolated : random(r, last, 0.2);
        CpuSet vcpus = random(r, last, 0.2);
        CpuSet avoid = r.nextInt(4) == 0 ? random(r, last, 0.1) : null;
        List<IrqPlanner.Irq> irqs = new ArrayList<>();
        String[] nics = {"eth0", "ens1f0", "ens1f1"};
        int count = r.nextInt(300);
        java.util.Set<Integer> used = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            int irq = 16 + r.nextInt(2000);
            if (!used.add(irq)) continue; // /proc/interrupts has one row per IRQ
            String nic = r.nextInt(3) == 0 ? nics[r.nextInt(nics.length)] : null;
            String handlers = nic == null ? "dev" + irq : nic + (r.nextInt(8) == 0 ? "-config" : "-TxRx-" + i);
            CpuSet aff = r.nextInt(15) == 0 ? null : random(r, last, r.nextDouble());
            if (aff != null && aff.isEmpty()) aff = CpuSet.of(r.nextInt(last + 1));
            Boolean managed = r.nextInt(5) == 0 ? null : r.nextInt(4) == 0;
            Integer node = r.nextInt(4) == 0 ? null : r.nextInt(nodes + 1);
            irqs.add(new IrqPlanner.Irq(irq, "chip " + handlers, handlers, aff, managed, node, nic, r.nextInt(3) == 0 ? 0 : r.nextDouble() * 1e5));
        }
        List<NetQueues.Queue> queues = new ArrayList<>();
        for (String nic : nics) {
            for (int q = 0; q < r.nextInt(8); q++) {
                String kind = r.nextBoolean() ? "rps" : "xps";
                String dir = (kind.equals("rps") ? "rx-" : "tx-") + q;
                CpuSet mask = r.nextInt(6) == 0 ? null : random(r, last, r.nextDouble());
                queues.add(new NetQueues.Queue(nic, dir, kind, "sys/class/net/" + nic + "/queues/" + dir + "/" + kind + "_cpus", mask));
            }
        }
        return new IrqPlanner.Input(cpus, isolated, nohz, vcpus, avoid, irqs, queues);
    }

    private static CpuSet random(Random r, int last, double p) {
        CpuSet s = CpuSet.EMPTY;
        for (int c = 0; c <= last; c++) if (r.nextDouble() < p) s = s.union(CpuSet.of(c));
        return s;
    }

    private static CpuSet online(IrqPlanner.Input in) {
        CpuSet s = CpuSet.EMPTY;
        for (IrqPlanner.Cpu c : in.cpus()) s = s.union(CpuSet.of(c.cpu()));
        return s;
    }

    private static CpuSet kept(IrqPlanner.Input in) {
        CpuSet s = in.isolated().union(in.nohzFull()).union(in.vcpus());
        return (in.avoid() == null ? s : s.union(in.avoid())).intersect(online(in));
    }

    @Property(tries = 400)
    void movableIrqsNeverLandOnCpusKeptFreeAndManagedOnesAreNeverTouched(@ForAll("inputs") IrqPlanner.Input in) {
        CpuSet free = kept(in);
        CpuSet online = online(in);
        if (online.minus(free).isEmpty()) {
            assertThatThrownBy(() -> IrqPlanner.plan(in)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no housekeeping CPU");
            return;
        }
        IrqPlanner.Result r = IrqPlanner.plan(in);
        CpuSet hk = CpuSet.parseList(r.housekeeping());
        assertThat(hk.equals(online.minus(free))).as("housekeeping %s", hk).isTrue();
        assertThat((r.banned().isEmpty() ? CpuSet.EMPTY : CpuSet.parseList(r.banned())).equals(free)).as("banned %s", r.banned()).isTrue();
        Map<Integer, List<IrqPlanner.Irq>> byNumber = new HashMap<>();
        for (IrqPlanner.Irq i : in.irqs()) byNumber.computeIfAbsent(i.irq(), k -> new ArrayList<>()).add(i);
        for (IrqPlanner.Move m : r.moves()) {
            CpuSet to = CpuSet.parseList(m.to());
            assertThat(to.isEmpty()).isFalse();
            assertThat(hk.containsAll(to)).as("IRQ %d to %s within housekeeping %s", m.irq(), m.to(), hk).isTrue();
            assertThat(byNumber.get(m.irq())).as("a move is of an IRQ that exists").isNotNull();
            for (IrqPlanner.Irq i : byNumber.get(m.irq())) {
                if (i.affinity() != null && i.affinity().toList().equals(m.from())) {
                    assertThat(i.managed()).as("managed IRQ %d never moved", i.irq()).isNotEqualTo(Boolean.TRUE);
                }
            }
        }
        // every movable IRQ that reached a CPU kept free is moved; one already on housekeeping is not
        for (IrqPlanner.Irq i : in.irqs()) {
            boolean moved = r.moves().stream().anyMatch(m -> m.irq() == i.irq() && m.from().equals(i.affinity() == null ? null : i.affinity().toList()));
            if (Boolean.TRUE.equals(i.managed()) || i.affinity() == null) {
                assertThat(moved).isFalse();
                assertThat(r.kept()).anyMatch(k -> k.irq() == i.irq());
            } else if (i.affinity().intersects(free)) {
                assertThat(moved).as("IRQ %d on %s reaches %s", i.irq(), i.affinity(), free).isTrue();
            }
        }
        // a NIC queue IRQ gets one CPU, of its node when that node has housekeeping CPUs
        Map<Integer, CpuSet> nodeCpus = new HashMap<>();
        for (IrqPlanner.Cpu c : in.cpus()) nodeCpus.merge(c.node(), CpuSet.of(c.cpu()), CpuSet::union);
        for (IrqPlanner.Move m : r.moves()) {
            if (m.nic() == null || !m.why().startsWith("queue of")) continue;
            CpuSet to = CpuSet.parseList(m.to());
            assertThat(to.size()).isEqualTo(1);
            IrqPlanner.Irq i = byNumber.get(m.irq()).get(0);
            CpuSet local = i.node() == null ? CpuSet.EMPTY : nodeCpus.getOrDefault(i.node(), CpuSet.EMPTY).intersect(hk);
            if (!local.isEmpty()) assertThat(local.containsAll(to)).isTrue();
        }
        for (IrqPlanner.MaskChange m : r.masks()) {
            assertThat(m.to().isEmpty() || !CpuSet.parseList(m.to()).intersects(free)).isTrue();
        }
        for (NetQueues.Queue q : in.queues()) {
            boolean changed = r.masks().stream().anyMatch(m -> m.path().equals(q.path()));
            assertThat(changed).isEqualTo(q.mask() != null && q.mask().intersects(free));
        }
    }

    @Property(tries = 200)
    void theSameFactsGiveTheSamePlanInAnyOrder(@ForAll("inputs") IrqPlanner.Input in, @ForAll long seed) {
        if (online(in).minus(kept(in)).isEmpty()) return;
        List<IrqPlanner.Irq> shuffled = new ArrayList<>(in.irqs());
        Collections.shuffle(shuffled, new Random(seed));
        IrqPlanner.Input again = new IrqPlanner.Input(in.cpus(), in.isolated(), in.nohzFull(), in.vcpus(), in.avoid(), shuffled, in.queues());
        assertThat(IrqPlanner.plan(again)).isEqualTo(IrqPlanner.plan(in));
    }

    /** NIC queues spread: no housekeeping CPU of a node takes two queue IRQs while another of that node has none. */
    @Property(tries = 200)
    void queueIrqsAreSpreadOverTheNodesHousekeepingCpus(@ForAll("inputs") IrqPlanner.Input in) {
        if (online(in).minus(kept(in)).isEmpty()) return;
        IrqPlanner.Result r = IrqPlanner.plan(in);
        CpuSet hk = CpuSet.parseList(r.housekeeping());
        Map<Integer, Integer> perCpu = new HashMap<>();
        for (IrqPlanner.Move m : r.moves()) if (m.why().startsWith("queue of")) perCpu.merge(CpuSet.parseList(m.to()).first(), 1, Integer::sum);
        for (IrqPlanner.Kept k : r.kept()) {
            if (k.why().equals("where the plan puts it already")) {
                IrqPlanner.Irq i = in.irqs().stream().filter(x -> x.irq() == k.irq()).findFirst().orElseThrow();
                if (IrqPlanner.queue(i)) perCpu.merge(i.affinity().first(), 1, Integer::sum);
            }
        }
        int total = perCpu.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(total).isEqualTo((int) in.irqs().stream().filter(i -> IrqPlanner.queue(i) && !Boolean.TRUE.equals(i.managed()) && i.affinity() != null).count());
        if (in.irqs().stream().allMatch(i -> i.load() == 0) && in.irqs().stream().allMatch(i -> i.node() == null)) {
            int max = perCpu.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int min = hk.size() > perCpu.size() ? 0 : perCpu.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            assertThat(max - min).as("equal loads spread round robin over %s: %s", hk, perCpu).isLessThanOrEqualTo(1);
        }
    }
}
