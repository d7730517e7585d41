package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.cpu.CoreClasses;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hosts whose cores differ in speed, written in the two layouts kernels use: Intel hybrid parts
 * list their CPUs under {@code sys/devices/cpu_core/cpus} and {@code cpu_atom/cpus}; arm64
 * big.LITTLE and riscv give each CPU a {@code cpu_capacity}. Whatever the machine, a realtime VM's
 * vCPUs never take a slower core of their node while a faster one (other than the boot core) is
 * left to housekeeping.
 */
class CoreTypesPropertiesTest {
    enum Layout { HYBRID, CAPACITY }

    @Provide
    Arbitrary<PartitionerPropertiesTest.Shape> shapes() {
        return new PartitionerPropertiesTest().shapes().filter(s -> s.topology().cpus().size() <= 64);
    }

    @Property(tries = 60)
    void realtimeVcpusTakeTheFastestCores(@ForAll("shapes") PartitionerPropertiesTest.Shape shape, @ForAll Layout layout, @ForAll long seed)
            throws IOException {
        HostTopology machine = shape.topology();
        Random random = new Random(seed);
        // a speed per physical core: its SMT threads are alike
        CpuSet picked = CpuSet.EMPTY;
        for (HostTopology.Core c : machine.cores()) if (random.nextBoolean()) picked = picked.union(c.threads());
        CpuSet fast = picked;
        CpuSet online = machine.online();
        Path tree = Files.createTempDirectory("kvmtune-coretypes");
        try {
            TopologyLayoutsPropertiesTest.write(tree, machine, TopologyLayoutsPropertiesTest.NumaLayout.CPULIST,
                    TopologyLayoutsPropertiesTest.SiblingLayout.THREAD_SIBLINGS_LIST);
            if (layout == Layout.HYBRID) {
                put(tree.resolve("sys/devices/cpu_core/cpus"), fast.toList());
                put(tree.resolve("sys/devices/cpu_atom/cpus"), online.minus(fast).toList());
            } else {
                for (int cpu : online) put(tree.resolve("sys/devices/system/cpu/cpu" + cpu + "/cpu_capacity"), fast.contains(cpu) ? "1024" : "446");
            }
            HostFacts facts = HostFactsCollector.collect(DirectoryRoot.of(tree));
            CoreClasses classes = CoreClasses.of(facts.cpu().cpus());
            boolean mixed = !fast.isEmpty() && !fast.containsAll(online);
            assertThat(classes.heterogeneous()).as("two kinds of core read back (%s)", layout).isEqualTo(mixed);
            if (mixed) assertThat(classes.fastest().toList()).isEqualTo(fast.toList());
            HostTopology host = HostTopology.of(facts);
            VmRequest rt = new VmRequest("rt", 2, 1L << 30, true, null, 0, 2048, List.of());
            Partition p;
            try {
                p = Partitioner.partition(host, List.of(rt), PartitionerPropertiesTest.OPT);
            } catch (PlanException refused) {
                return; // too small a machine: the refusal is the partitioner properties' subject
            }
            Partition.VmPlacement vm = p.vm("rt");
            int boot = online.first();
            for (HostTopology.Core u : host.cores()) {
                if (u.node() != vm.node() || u.threads().contains(boot) || vm.vcpuPins().stream().anyMatch(u.threads()::contains)) continue;
                for (int pin : vm.vcpuPins()) {
                    assertThat(host.cpu(pin).speed()).as("vCPU on %d while core %s of its node is faster", pin, u.threads())
                            .isGreaterThanOrEqualTo(u.speed());
                }
            }
            if (mixed) {
                boolean slow = vm.vcpuPins().stream().anyMatch(c -> !fast.contains(c));
                assertThat(p.notes()).as("the plan says where the vCPUs went")
                        .anyMatch(n -> n.startsWith("rt: ") && (slow ? n.contains("slower cores") : n.contains("fastest cores")));
            }
        } finally {
            try (Stream<Path> s = Files.walk(tree)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void put(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text + "\n");
    }
}
