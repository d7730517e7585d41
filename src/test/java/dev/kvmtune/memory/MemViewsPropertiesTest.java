package dev.kvmtune.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.memory.MemColumn;
import dev.kvmtune.facts.memory.NumaMaps;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.memory.VmMemory;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.util.CpuSet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Properties of mem's views and charts, whatever the numbers. */
class MemViewsPropertiesTest {

    /** smem's pie: the slices shown and "other" add up to what the rows hold; no slice shown is one smem would group. */
    @Property
    void pieGroupsSmallSlicesAsSmem(@ForAll @Size(max = 40) List<@LongRange(min = 0, max = 1_000_000) Long> sizes,
                                    @ForAll @LongRange(min = 1, max = 50_000_000) long total) {
        List<MemChart.Slice> rows = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) rows.add(new MemChart.Slice("p" + i, sizes.get(i)));
        double sum = sizes.stream().mapToLong(Long::longValue).sum();
        List<MemChart.Slice> pie = MemChart.pieSlices(rows, (double) total);
        double shown = 0;
        double other = 0;
        for (MemChart.Slice s : pie) {
            if (s.label().equals("unused")) {
                assertThat(s.value()).isEqualTo(total - sum);
                continue;
            }
            if (s.label().equals("other")) other = s.value();
            else {
                shown += s.value();
                assertThat(s.value()).as("a slice shown is at least 0.5%% of memory").isGreaterThanOrEqualTo(total * .005);
            }
        }
        assertThat(shown + other).isEqualTo(sum);
        assertThat(pie.stream().anyMatch(s -> s.label().equals("unused"))).isEqualTo(total > sum);
        String svg = MemChart.pie("pss by name", pie);
        assertThat(wellFormed(svg)).isTrue();
    }

    @Property(tries = 50)
    void barChartsAreWellFormed(@ForAll @Size(max = 30) List<@LongRange(min = 0, max = 1L << 40) Long> sizes) {
        List<String> groups = new ArrayList<>();
        double[] v = new double[sizes.size()];
        for (int i = 0; i < v.length; i++) {
            groups.add("<p&\"" + i);
            v[i] = sizes.get(i);
        }
        assertThat(wellFormed(MemChart.bar("uss by name", groups, Map.of("uss", v, "pss", v)))).isTrue();
    }

    /** A totals line adds up what the rows hold and counts distinct users; rows sort smallest first, absent values first. */
    @Property
    void totalsAndSortFollowTheRows(@ForAll @Size(max = 30) List<@IntRange(min = 0, max = 5) Integer> users,
                                    @ForAll @Size(max = 30) List<@LongRange(min = -1, max = 1_000_000) Long> pss) {
        List<ProcessMemory> procs = new ArrayList<>();
        long sum = 0;
        boolean any = false;
        for (int i = 0; i < Math.min(users.size(), pss.size()); i++) {
            Map<MemColumn, Long> v = new EnumMap<>(MemColumn.class);
            if (pss.get(i) >= 0) {
                v.put(MemColumn.PSS, pss.get(i));
                sum += pss.get(i);
                any = true;
            }
            procs.add(new ProcessMemory(i + 1, "u" + users.get(i), "n", "cmd " + i, v, null, "proc/" + (i + 1) + "/smaps_rollup", null));
        }
        MemTable t = MemViews.processes(procs, List.of()).sorted("pss", false);
        Map<String, Object> totals = t.totals();
        assertThat(totals.get("pid")).isEqualTo((long) procs.size());
        assertThat(totals.get("user")).isEqualTo(procs.stream().map(ProcessMemory::user).distinct().count());
        if (any) assertThat(totals.get("pss")).isEqualTo(sum);
        else assertThat(totals).doesNotContainKey("pss");
        Long prev = null;
        boolean seenValue = false;
        for (Map<String, Object> r : t.rows()) {
            Long x = (Long) r.get("pss");
            if (x == null) {
                assertThat(seenValue).as("absent values sort first").isFalse();
                continue;
            }
            seenValue = true;
            if (prev != null) assertThat(x).isGreaterThanOrEqualTo(prev);
            prev = x;
        }
        MemTable byUser = MemViews.users(procs, List.of());
        if (!procs.isEmpty()) assertThat(byUser.totals().get("count")).isEqualTo((long) procs.size());
        else assertThat(byUser.totals()).doesNotContainKey("count");
        if (any) assertThat(byUser.totals().get("pss")).isEqualTo(sum);
    }

    /** The local share is the memory on the vCPUs' nodes over all of it; unpinned VMs have none. */
    @Property
    void localShareIsTheMemoryOnTheVcpuNodes(@ForAll @Size(min = 2, max = 4) List<@LongRange(min = 0, max = 1_000_000) Long> perNode,
                                             @ForAll @IntRange(min = 0, max = 3) int pinnedNode) {
        int nodesN = perNode.size();
        int node = pinnedNode % nodesN;
        List<NumaNode> nodes = new ArrayList<>();
        for (int n = 0; n < nodesN; n++) nodes.add(new NumaNode(n, CpuSet.range(2 * n, 2 * n + 1), 1 << 20, 1 << 19, List.of(), Map.of(), "sys"));
        Map<Integer, Long> byNode = new TreeMap<>();
        long all = 0;
        for (int n = 0; n < nodesN; n++) {
            byNode.put(n, perNode.get(n));
            all += perNode.get(n);
        }
        ProcessMemory p = new ProcessMemory(100, "root", "qemu", "qemu-system-x86_64", new EnumMap<>(MemColumn.class),
                new NumaMaps(byNode, Map.of()), "proc/100/smaps_rollup", null);
        VmMemory pinned = VmMemory.of(vm(CpuSet.range(2 * node, 2 * node + 1)), p, nodes);
        assertThat(pinned.vcpuNodes()).containsExactly(node);
        if (all == 0) assertThat(pinned.localPercent()).isNull();
        else assertThat(pinned.localPercent()).isCloseTo(100.0 * perNode.get(node) / all, org.assertj.core.data.Offset.offset(0.051));
        VmMemory unpinned = VmMemory.of(vm(CpuSet.range(0, 2 * nodesN - 1)), p, nodes);
        assertThat(unpinned.vcpuNodes()).isNull();
        assertThat(unpinned.localPercent()).isNull();
    }

    private static VmFacts vm(CpuSet allowed) {
        Vm vm = new Vm("g", 100, "proc/100/cmdline", null, "qemu-system-x86_64", "kvm", null, null, null,
                new Vm.Memory(1L << 30, "ram", null, false, null, true, null, null, null, null, null), List.of(), List.of(), List.of(),
                List.of(), null, List.of(), null, List.of(), List.of(), null, null, null, List.of());
        VmThread t = new VmThread(101, "CPU 0/KVM", "vcpu", 0, null, "name", allowed, allowed.first(), SchedPolicy.OTHER, 0, 0, 0);
        return new VmFacts("running", vm, List.of(t));
    }

    private static boolean wellFormed(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (Exception e) {
            throw new AssertionError(e.getMessage() + "\n" + xml, e);
        }
    }
}
