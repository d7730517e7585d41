package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The same machine written as a sysfs tree in each layout kernels use (NUMA CPUs as cpulist, cpumap,
 * the node's cpuN links or the cpu/cpuN/nodeM links; SMT siblings as thread_siblings_list,
 * core_cpus_list or their hex masks; offline CPUs without a topology directory) reads back as the
 * same topology, and partitions the same way.
 */
class TopologyLayoutsPropertiesTest {
    enum NumaLayout { CPULIST, CPUMAP, NODE_LINKS, CPU_LINKS }

    enum SiblingLayout { THREAD_SIBLINGS_LIST, CORE_CPUS_LIST, THREAD_SIBLINGS, CORE_CPUS }

    @Provide
    Arbitrary<PartitionerPropertiesTest.Shape> shapes() {
        return new PartitionerPropertiesTest().shapes().filter(s -> s.topology().cpus().size() <= 96);
    }

    @Property(tries = 60)
    void everyLayoutReadsAsTheSameMachine(@ForAll("shapes") PartitionerPropertiesTest.Shape shape, @ForAll NumaLayout numa,
                                          @ForAll SiblingLayout siblings) throws IOException {
        HostTopology want = shape.topology();
        Path tree = Files.createTempDirectory("kvmtune-layout");
        try {
            write(tree, want, numa, siblings);
            HostFacts facts = HostFactsCollector.collect(DirectoryRoot.of(tree));
            HostTopology got = HostTopology.of(facts);
            assertThat(got.online().toList()).isEqualTo(want.online().toList());
            for (HostTopology.Cpu w : want.cpus()) {
                HostTopology.Cpu g = got.cpu(w.cpu());
                assertThat(g.online()).as("cpu %d online", w.cpu()).isEqualTo(w.online());
                if (!w.online()) continue;
                assertThat(g.node()).as("cpu %d node (%s)", w.cpu(), numa).isEqualTo(w.node());
                assertThat(g.socket()).as("cpu %d socket", w.cpu()).isEqualTo(w.socket());
                assertThat(String.valueOf(g.siblings())).as("cpu %d siblings (%s)", w.cpu(), siblings).isEqualTo(String.valueOf(w.siblings()));
            }
            for (HostTopology.Node n : want.nodes()) {
                assertThat(String.valueOf(got.node(n.id()).cpus())).as("node %d cpus (%s)", n.id(), numa).isEqualTo(String.valueOf(n.cpus()));
                assertThat(got.node(n.id()).memKb()).isEqualTo(n.memKb());
            }
            // the read machine partitions as the machine itself does
            VmRequest rt = new VmRequest("rt", 1, 1L << 30, true, null, 0, 2048, List.of());
            String expected = outcome(want, rt);
            assertThat(outcome(got, rt)).isEqualTo(expected);
        } finally {
            try (Stream<Path> s = Files.walk(tree)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String outcome(HostTopology host, VmRequest vm) {
        try {
            Partition p = Partitioner.partition(host, List.of(vm), PartitionerPropertiesTest.OPT);
            return "isolated " + p.isolated() + " pins " + p.vm("rt").vcpuPins() + " node " + p.vm("rt").node();
        } catch (PlanException e) {
            return "refused: " + e.getMessage();
        }
    }

    static void write(Path tree, HostTopology host, NumaLayout numa, SiblingLayout siblings) throws IOException {
        Path cpuDir = tree.resolve("sys/devices/system/cpu");
        Path nodeDir = tree.resolve("sys/devices/system/node");
        int count = host.cpus().stream().mapToInt(HostTopology.Cpu::cpu).max().orElse(0) + 1;
        CpuSet all = CpuSet.range(0, count - 1);
        put(cpuDir.resolve("possible"), all.toList());
        put(cpuDir.resolve("present"), all.toList());
        put(cpuDir.resolve("online"), host.online().toList());
        for (HostTopology.Cpu c : host.cpus()) {
            Path d = cpuDir.resolve("cpu" + c.cpu());
            Files.createDirectories(d);
            if (c.cpu() > 0) put(d.resolve("online"), c.online() ? "1" : "0");
            if (!c.online()) continue; // an offline CPU has no topology directory
            Path t = d.resolve("topology");
            put(t.resolve("physical_package_id"), String.valueOf(c.socket()));
            put(t.resolve("core_id"), String.valueOf(c.coreId()));
            switch (siblings) {
                case THREAD_SIBLINGS_LIST -> put(t.resolve("thread_siblings_list"), c.siblings().toList());
                case CORE_CPUS_LIST -> put(t.resolve("core_cpus_list"), c.siblings().toList());
                case THREAD_SIBLINGS -> put(t.resolve("thread_siblings"), c.siblings().toMask(count));
                case CORE_CPUS -> put(t.resolve("core_cpus"), c.siblings().toMask(count));
            }
        }
        for (HostTopology.Node n : host.nodes()) {
            Path d = nodeDir.resolve("node" + n.id());
            Files.createDirectories(d);
            put(d.resolve("meminfo"), "Node " + n.id() + " MemTotal:       " + n.memKb() + " kB\nNode " + n.id() + " MemFree:        " + n.memKb() + " kB\n");
            switch (numa) {
                case CPULIST -> put(d.resolve("cpulist"), n.cpus().toList());
                case CPUMAP -> put(d.resolve("cpumap"), n.cpus().toMask(count));
                case NODE_LINKS -> n.cpus().forEachCpu(c -> link(d.resolve("cpu" + c), Path.of("../../cpu/cpu" + c)));
                case CPU_LINKS -> n.cpus().forEachCpu(c -> link(cpuDir.resolve("cpu" + c).resolve("node" + n.id()), Path.of("../../node/node" + n.id())));
            }
        }
    }

    private static void put(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text + "\n");
    }

    private static void link(Path at, Path target) {
        try {
            Files.createDirectories(at.getParent());
            Files.createSymbolicLink(at, target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
