package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The partition's invariants over generated topologies: 1-8 sockets, 1-4 nodes per socket, uneven
 * nodes, SMT on or off with both sibling numberings Linux uses, offline CPUs, with and without
 * pdpe1gb.
 */
class PartitionerPropertiesTest {
    static final long GIB = 1L << 20;

    /** A generated host: cores per node, SMT, numbering, offline CPUs, node memory. */
    record Shape(int sockets, List<Integer> coresPerNode, int nodesPerSocket, boolean smt, boolean interleaved, long offlineSeed,
                 List<Integer> memGib, boolean pdpe1gb) {
        HostTopology topology() {
            int nodes = coresPerNode.size();
            int totalCores = coresPerNode.stream().mapToInt(Integer::intValue).sum();
            int threads = smt ? 2 : 1;
            List<int[]> cpuInfo = new ArrayList<>(); // cpu, socket, core, node
            int g = 0;
            Map<Integer, List<Integer>> coreThreads = new HashMap<>();
            for (int n = 0; n < nodes; n++) {
                int socket = n / nodesPerSocket;
                for (int c = 0; c < coresPerNode.get(n); c++, g++) {
                    for (int t = 0; t < threads; t++) {
                        int cpu = interleaved ? g * threads + t : t * totalCores + g;
                        cpuInfo.add(new int[] {cpu, socket, g, n});
                        coreThreads.computeIfAbsent(g, k -> new ArrayList<>()).add(cpu);
                    }
                }
            }
            cpuInfo.sort(Comparator.comparingInt(a -> a[0]));
            Random r = new Random(offlineSeed);
            Set<Integer> offline = new HashSet<>();
            for (int[] c : cpuInfo) if (cpuInfo.size() > 1 && r.nextInt(10) == 0) offline.add(c[0]);
            if (offline.size() == cpuInfo.size()) offline.remove(cpuInfo.get(0)[0]);
            List<HostTopology.Cpu> cpus = new ArrayList<>();
            for (int[] c : cpuInfo) {
                CpuSet sib = CpuSet.EMPTY;
                for (int s : coreThreads.get(c[2])) if (!offline.contains(s)) sib = sib.union(CpuSet.of(s));
                boolean on = !offline.contains(c[0]);
                cpus.add(new HostTopology.Cpu(c[0], on, c[1], c[2], c[3], on ? sib : null));
            }
            List<HostTopology.Node> ns = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                CpuSet s = CpuSet.EMPTY;
                for (HostTopology.Cpu c : cpus) if (c.node() == n && c.online()) s = s.union(CpuSet.of(c.cpu()));
                ns.add(new HostTopology.Node(n, s, memGib.get(n % memGib.size()) * GIB, Map.of()));
            }
            int boot = cpus.stream().filter(HostTopology.Cpu::online).mapToInt(HostTopology.Cpu::cpu).min().orElse(0);
            return new HostTopology(cpus, ns, pdpe1gb, boot);
        }
    }

    @Provide
    Arbitrary<Shape> shapes() {
        Arbitrary<Integer> sockets = Arbitraries.integers().between(1, 8);
        Arbitrary<Integer> nodesPerSocket = Arbitraries.integers().between(1, 4);
        return Combinators.combine(sockets, nodesPerSocket, Arbitraries.integers().between(1, 8).list().ofMinSize(32).ofMaxSize(32),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.longs(),
                        Arbitraries.integers().between(1, 96).list().ofMinSize(1).ofMaxSize(8), Arbitraries.of(true, false))
                .as((s, nps, cores, smt, inter, seed, mem, gb) -> new Shape(s, cores.subList(0, s * nps), nps, smt, inter, seed, mem, gb));
    }

    @Provide
    Arbitrary<List<VmRequest>> requests() {
        Arbitrary<VmRequest> vm = Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 32),
                        Arbitraries.of(true, false), Arbitraries.of(0L, 2048L, -1L))
                .as((vcpus, halfGib, rt, hp) -> new VmRequest("x", vcpus, halfGib * (GIB * 1024 / 2), rt, null, 1, hp, List.of()));
        return vm.list().ofMaxSize(5).map(l -> {
            List<VmRequest> named = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                VmRequest v = l.get(i);
                named.add(new VmRequest("vm" + i, v.vcpus(), v.memoryBytes(), v.rt(), null, v.iothreads(), v.hugepages(), v.disks()));
            }
            return named;
        });
    }

    static final Partitioner.Options OPT = new Partitioner.Options(1, true, GIB);

    @Property(tries = 400)
    void partitionIsDisjointCompleteAndRespectsTheRules(@ForAll("shapes") Shape shape, @ForAll("requests") List<VmRequest> vms) {
        HostTopology host = shape.topology();
        Partition p;
        try {
            p = Partitioner.partition(host, vms, OPT);
        } catch (PlanException e) {
            assertThat(e.getMessage()).startsWith("VM ").containsAnyOf("no node has them", "hugepages on", "is not a whole number", "of memory; the host has");
            Statistics.collect("refused");
            return;
        }
        Statistics.collect(p.isolated().isEmpty() ? "placed, nothing isolated" : "placed with isolated CPUs");
        CpuSet online = host.online();
        // disjoint and complete over the online CPUs; offline ones in neither set
        assertThat(p.housekeeping().intersects(p.isolated())).isFalse();
        assertThat((Object) p.housekeeping().union(p.isolated())).isEqualTo(online);
        assertThat(p.offline().intersects(online)).isFalse();
        assertThat(p.cpus()).hasSize(host.cpus().size());
        // the boot CPU stays housekeeping
        assertThat(p.housekeeping().contains(host.bootCpu())).isTrue();
        // SMT siblings stay together
        for (HostTopology.Core core : host.cores()) {
            assertThat(p.isolated().containsAll(core.threads()) || !p.isolated().intersects(core.threads()))
                    .as("core %s split between housekeeping and isolated", core.threads()).isTrue();
        }
        // every node hosting a VM keeps a housekeeping CPU
        Set<Integer> pinned = new HashSet<>();
        Map<String, Long> pagesPerNode = new HashMap<>();
        for (Partition.VmPlacement vm : p.vms()) {
            if (vm.rt()) {
                assertThat(vm.vcpuPins()).hasSize(vm.vcpus());
                for (int cpu : vm.vcpuPins()) {
                    assertThat(p.isolated().contains(cpu)).isTrue();
                    assertThat(host.cpu(cpu).node()).as("%s in one node", vm.name()).isEqualTo(vm.node());
                    assertThat(pinned.add(cpu)).as("cpu %d pinned twice", cpu).isTrue();
                }
                // one vCPU per core
                Set<CpuSet> coresUsed = new HashSet<>();
                for (int cpu : vm.vcpuPins()) {
                    coresUsed.add(host.cores().stream().filter(c -> c.threads().contains(cpu)).findFirst().orElseThrow().threads());
                }
                assertThat(coresUsed).hasSize(vm.vcpus());
                assertThat(vm.hugepageKb()).isPositive();
                assertThat(p.housekeeping().intersect(nodeCpus(host, vm.node())).isEmpty()).isFalse();
            }
            assertThat(p.housekeeping().containsAll(vm.emulatorCpus())).isTrue();
            if (!vm.rt()) assertThat(p.housekeeping().containsAll(vm.vcpuCpus())).isTrue();
            if (vm.hugepageKb() > 0) {
                assertThat(vm.hugepageCount() * vm.hugepageKb()).isGreaterThanOrEqualTo(vm.memoryKb());
                pagesPerNode.merge(vm.node() + ":" + vm.hugepageKb(), vm.hugepageCount(), Long::sum);
            }
        }
        // hugepages per node match the VMs, and fit the node's memory
        Map<String, Long> reserved = new HashMap<>();
        Map<Integer, Long> kbPerNode = new HashMap<>();
        for (Partition.Hugepages h : p.hugepages()) {
            reserved.put(h.node() + ":" + h.pageSizeKb(), h.count());
            kbPerNode.merge(h.node(), h.count() * h.pageSizeKb(), Long::sum);
        }
        assertThat(reserved).isEqualTo(pagesPerNode);
        kbPerNode.forEach((node, kb) -> assertThat(kb).isLessThanOrEqualTo(host.node(node).memKb()));
        // isolated CPUs are exactly the realtime VMs' cores
        CpuSet rtCores = CpuSet.EMPTY;
        for (int cpu : pinned) {
            rtCores = rtCores.union(host.cores().stream().filter(c -> c.threads().contains(cpu)).findFirst().orElseThrow().threads());
        }
        assertThat((Object) p.isolated()).isEqualTo(rtCores);
        // the generator must reach the interesting cases, not only refusals
        Statistics.coverage(c -> c.check("placed with isolated CPUs").percentage(pct -> pct >= 10));
    }

    @Property(tries = 200)
    void requestOrderDoesNotMatterAndRunsAreDeterministic(@ForAll("shapes") Shape shape, @ForAll("requests") List<VmRequest> vms,
                                                        @ForAll long seed) {
        HostTopology host = shape.topology();
        List<VmRequest> shuffled = new ArrayList<>(vms);
        Collections.shuffle(shuffled, new Random(seed));
        String a = outcome(host, vms);
        assertThat(outcome(host, vms)).isEqualTo(a);
        assertThat(outcome(host, shuffled)).isEqualTo(a);
    }

    @Property(tries = 200)
    void aRealtimeVmLargerThanAnyNodeIsRefusedNamingTheCores(@ForAll("shapes") Shape shape) {
        HostTopology host = shape.topology();
        int most = 0;
        for (HostTopology.Node n : host.nodes()) {
            int c = (int) host.cores().stream().filter(k -> k.node() == n.id()).count();
            most = Math.max(most, c);
        }
        VmRequest tooBig = new VmRequest("big", most, GIB * 1024, true, null, 0, 2048, List.of());
        assertThatThrownBy(() -> Partitioner.partition(host, List.of(tooBig), OPT)).isInstanceOf(PlanException.class)
                .hasMessageStartingWith("VM big needs " + most + " isolated core").hasMessageContaining("cores: ")
                .hasMessageContaining("kept for housekeeping");
    }

    @Property(tries = 200)
    void aRealtimeVmThatFitsANodeIsPlaced(@ForAll("shapes") Shape shape) {
        HostTopology host = shape.topology();
        for (HostTopology.Node n : host.nodes()) {
            int c = (int) host.cores().stream().filter(k -> k.node() == n.id()).count();
            if (c >= 2 && n.memKb() >= 2 * GIB) {
                VmRequest fits = new VmRequest("fits", c - 1, GIB * 1024, true, null, 0, 0, List.of());
                Partition p = Partitioner.partition(host, List.of(fits), OPT);
                assertThat(p.vm("fits").vcpuPins()).hasSize(c - 1);
                return;
            }
        }
    }

    @Property(tries = 100)
    void memoryShortIsRefusedNamingTheMemory(@ForAll("shapes") Shape shape) {
        HostTopology host = shape.topology();
        long most = host.nodes().stream().mapToLong(HostTopology.Node::memKb).max().orElse(0);
        VmRequest tooBig = new VmRequest("fat", 1, most * 1024, true, null, 0, 2048, List.of());
        assertThatThrownBy(() -> Partitioner.partition(host, List.of(tooBig), OPT)).isInstanceOf(PlanException.class)
                .hasMessageContaining("memory: ");
    }

    private static String outcome(HostTopology host, List<VmRequest> vms) {
        try {
            Partition p = Partitioner.partition(host, vms, OPT);
            List<Partition.VmPlacement> sorted = new ArrayList<>(p.vms());
            sorted.sort(Comparator.comparing(Partition.VmPlacement::name));
            List<String> notes = new ArrayList<>(p.notes());
            Collections.sort(notes);
            return p.housekeeping() + "|" + p.isolated() + "|" + p.cpus() + "|" + sorted + "|" + p.hugepages() + "|" + notes;
        } catch (PlanException e) {
            return "error";
        }
    }

    private static CpuSet nodeCpus(HostTopology host, int node) {
        CpuSet s = CpuSet.EMPTY;
        for (HostTopology.Cpu c : host.cpus()) if (c.online() && c.node() == node) s = s.union(CpuSet.of(c.cpu()));
        return s;
    }
}
