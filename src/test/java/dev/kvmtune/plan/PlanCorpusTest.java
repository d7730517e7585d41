package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plans on the trees captured inside real guests, checked against the guest's own lscpu (not
 * against kvmtune's reading of the tree): a realtime VM's vCPUs sit in one NUMA node, one per
 * core, off the boot CPU's core, with hugepages from that node; and each tree gets the
 * parameters of its vendor and architecture only.
 */
class PlanCorpusTest {
    @TempDir
    Path tmp;

    static final Set<String> X86_ONLY = Set.of("idle", "tsc", "mce", "intel_pstate", "kvm_intel.ple_gap", "kvm_amd.pause_filter_count",
            "kvm.kvmclock_periodic_sync", "kvm.nx_huge_pages");

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(Golden.resources().resolve("roots"))) {
            return s.filter(p -> Files.exists(p.resolve("lscpu-parse.txt"))).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** lscpu -p: for each CPU, its Core and Node ids as lscpu printed them. */
    static Map<Integer, String[]> lscpu(Path dir) throws IOException {
        Map<Integer, String[]> m = new HashMap<>();
        List<String> header = null;
        for (String line : Files.readAllLines(dir.resolve("lscpu-parse.txt"))) {
            if (line.startsWith("# CPU,")) header = List.of(line.substring(2).split(",", -1));
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] v = line.split(",", -1);
            m.put(Integer.parseInt(v[0]), new String[] {v[header.indexOf("Core")], v[header.indexOf("Node")]});
        }
        return m;
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void realtimeVmStaysInOneNodeOffTheBootCore(String scenario) throws IOException {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        Map<Integer, String[]> lscpu = lscpu(dir);
        // two vCPUs where some node has a core to spare beyond housekeeping's and the second, else one
        Map<String, Set<String>> coresByNode = new HashMap<>();
        lscpu.values().forEach(v -> coresByNode.computeIfAbsent(v[1], k -> new HashSet<>()).add(v[0]));
        int vcpus = coresByNode.values().stream().anyMatch(c -> c.size() >= 3) ? 2 : 1;
        // the guests' nodes hold 1-3 GiB: keep 256 MiB per node for the host instead of the default 1 GiB
        Cli.Result r = Cli.run("plan", "--snapshot", dir.resolve("snapshot.tar.gz").toString(), "--profile", "realtime-virtual-host",
                "--vm", "name=rt1,vcpus=" + vcpus + ",memory=512M,rt", "--host-memory", "256M", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode plan = new ObjectMapper().readTree(r.out());
        JsonNode vm = plan.path("partition").path("vms").get(0);
        int node = vm.path("node").asInt();
        List<Integer> pins = new ArrayList<>();
        vm.path("vcpuPins").forEach(p -> pins.add(p.asInt()));
        assertThat(pins).hasSize(vcpus);
        int boot = lscpu.keySet().stream().filter(c -> !lscpu.get(c)[0].isEmpty()).min(Integer::compare).orElseThrow();
        Set<String> cores = new HashSet<>();
        for (int cpu : pins) {
            assertThat(lscpu.get(cpu)[1]).as("lscpu's node of vCPU CPU " + cpu).isEqualTo(Integer.toString(node));
            assertThat(lscpu.get(cpu)[0]).as("CPU " + cpu + " is not on the boot CPU's core").isNotEqualTo(lscpu.get(boot)[0]);
            assertThat(cores.add(lscpu.get(cpu)[0])).as("one vCPU per core").isTrue();
        }
        JsonNode hp = plan.path("partition").path("hugepages");
        assertThat(hp).isNotEmpty();
        hp.forEach(h -> assertThat(h.path("node").asInt()).as("hugepages from the vCPUs' node").isEqualTo(node));
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void parametersOfTheTreesVendorAndArchitectureOnly(String scenario) throws IOException {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        String snap = dir.resolve("snapshot.tar.gz").toString();
        Cli.Result r = Cli.run("plan", "--snapshot", snap, "--profile", "realtime-virtual-host", "--vm", "name=rt1,vcpus=1,memory=512M,rt",
                "--host-memory", "256M", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode plan = new ObjectMapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        plan.path("settings").forEach(s -> keys.add(s.path("key").asText()));
        Cli.Result audit = Cli.run("audit", "--snapshot", snap, "--profile", "realtime-virtual-host", "--format", "json");
        List<String> ids = new ArrayList<>();
        new ObjectMapper().readTree(audit.out()).path("findings").forEach(f -> ids.add(f.path("id").asText()));
        String vendor = plan.path("host").path("vendor").asText();
        String arch = plan.path("host").path("arch").asText();
        if (!arch.equals("x86_64")) {
            assertThat(keys).as("an " + arch + " tree gets no x86 parameter").doesNotContainAnyElementsOf(X86_ONLY);
            assertThat(ids).noneMatch(id -> X86_ONLY.stream().anyMatch(id::endsWith));
            // nor do the rendered files: QEMU arguments, domain XML, guest command line, tuned profile
            Path out = tmp.resolve("plan");
            Cli.Result files = Cli.run("plan", "--snapshot", snap, "--profile", "realtime-virtual-host", "--vm", "name=rt1,vcpus=1,memory=512M,rt",
                    "--host-memory", "256M", "--out", out.toString());
            assertThat(files.exit()).as(files.err()).isZero();
            try (Stream<Path> all = Files.walk(out)) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    assertThat(Files.readString(f)).as(f.toString())
                            .doesNotContain("x86_64", "q35", "kvm-pv-eoi", "kvmclock", "idle=poll", "intel_pstate", "tsc=reliable", "kvm_intel", "kvm_amd");
                }
            }
        } else if (vendor.equals("AuthenticAMD")) {
            assertThat(keys).contains("kvm_amd.pause_filter_count").doesNotContain("kvm_intel.ple_gap", "intel_pstate");
            assertThat(ids).noneMatch(id -> id.contains("kvm_intel") || id.contains("intel_pstate"));
        } else {
            assertThat(keys).contains("kvm_intel.ple_gap", "intel_pstate").doesNotContain("kvm_amd.pause_filter_count");
            assertThat(ids).noneMatch(id -> id.contains("kvm_amd"));
        }
    }
}
