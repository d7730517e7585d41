package dev.kvmtune.facts;

import dev.kvmtune.facts.cpu.CpuCache;
import dev.kvmtune.facts.cpu.CpuSummary;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corpus of trees captured inside real guests ({@code roots/make-guest.sh}) holds the guest's
 * own lscpu output beside each snapshot: {@code lscpu}, {@code lscpu -p=CPU,CORE,SOCKET,CLUSTER,
 * NODE,BOOK,DRAWER,CACHE,ONLINE -a} and {@code lscpu -C}. kvmtune's facts of the snapshot must say
 * what lscpu said in the guest.
 *
 * <p>Cache instances are checked against the distinct cache ids of {@code lscpu -p}: the summary
 * line of lscpu 2.38 counts one instance per CPU for caches whose {@code id} file the kernel does
 * not provide (x86 guests without topoext: "L3 88 MiB (11 instances)" beside -p's two L3 ids).
 */
class LscpuAgreementTest {

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(Golden.resources().resolve("roots"))) {
            return s.filter(p -> Files.exists(p.resolve("lscpu-parse.txt"))).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** lscpu's "Key: value" lines. */
    static Map<String, String> summary(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int colon = line.indexOf(':');
            if (colon > 0) m.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return m;
    }

    /** lscpu -p rows by CPU: column name to value ("" when lscpu leaves it empty). */
    static Map<Integer, Map<String, String>> parsable(Path file) throws IOException {
        List<String> header = null;
        Map<Integer, Map<String, String>> rows = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("# CPU,")) {
                header = List.of(line.substring(2).split(",", -1));
            } else if (!line.startsWith("#") && !line.isBlank()) {
                String[] v = line.split(",", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size() && i < v.length; i++) row.putIfAbsent(header.get(i).isEmpty() ? "#" + i : header.get(i), v[i]);
                rows.put(Integer.parseInt(v[0]), row);
            }
        }
        return rows;
    }

    record Case(String scenario, HostFacts facts, Map<String, String> lscpu, Map<Integer, Map<String, String>> rows) {
        static Case of(String scenario) throws IOException {
            Path dir = Golden.resources().resolve("roots").resolve(scenario);
            try (Root root = SnapshotRoot.open(dir.resolve("snapshot.tar.gz"))) {
                return new Case(scenario, HostFactsCollector.collect(root), summary(dir.resolve("lscpu.txt")), parsable(dir.resolve("lscpu-parse.txt")));
            }
        }

        List<CpuTopology> online() {
            return facts.cpu().cpus().stream().filter(CpuTopology::online).toList();
        }

        /** The online CPUs grouped by lscpu's id in one column, as sets of CPUs. */
        Set<CpuSet> lscpuGroups(String column) {
            Map<String, List<Integer>> by = new HashMap<>();
            rows.forEach((cpu, row) -> {
                if ("Y".equals(row.get("Online"))) by.computeIfAbsent(row.get(column), k -> new ArrayList<>()).add(cpu);
            });
            return by.values().stream().map(l -> CpuSet.of(l.stream().mapToInt(Integer::intValue).toArray())).collect(Collectors.toSet());
        }

        <K> Set<CpuSet> factGroups(Function<CpuTopology, K> key) {
            return online().stream().collect(Collectors.groupingBy(key)).values().stream()
                    .map(l -> CpuSet.of(l.stream().mapToInt(CpuTopology::cpu).toArray())).collect(Collectors.toSet());
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void cpuCountsAndListsAgree(String scenario) throws IOException {
        Case c = Case.of(scenario);
        var lists = c.facts().cpu().lists();
        assertThat(lists.online().value().toList()).as("online").isEqualTo(CpuSet.parseList(c.lscpu().get("On-line CPU(s) list")).toList());
        assertThat(lists.present().value().size()).as("CPU(s)").isEqualTo(Integer.parseInt(c.lscpu().get("CPU(s)")));
        String offline = c.lscpu().get("Off-line CPU(s) list");
        CpuSet presentOffline = lists.present().value().minus(lists.online().value());
        assertThat(presentOffline.toList()).as("off-line").isEqualTo(offline == null ? "" : CpuSet.parseList(offline).toList());
        assertThat(c.facts().cpu().identity().vendor()).as("vendor").isEqualTo(c.lscpu().get("Vendor ID"));
        assertThat(c.facts().cpu().identity().modelName()).as("model").isEqualTo(c.lscpu().get("Model name"));
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void socketsCoresThreadsAgree(String scenario) throws IOException {
        Case c = Case.of(scenario);
        CpuSummary s = c.facts().cpu().summary();
        Map<String, String> l = c.lscpu();
        assertThat(s.threadsPerCore()).as("threads per core").isEqualTo(Integer.parseInt(l.get("Thread(s) per core")));
        if (!"-".equals(l.getOrDefault("Socket(s)", "-"))) {
            assertThat(s.sockets()).as("sockets").isEqualTo(Integer.parseInt(l.get("Socket(s)")));
            assertThat(s.coresPerSocket()).as("cores per socket").isEqualTo(Integer.parseInt(l.get("Core(s) per socket")));
        } else {
            // arm64 without SMBIOS processor records: lscpu prints "Socket(s): -" and calls the kernel's
            // physical packages clusters ("Cluster(s)", "Core(s) per cluster"); the facts call them sockets
            assertThat(s.sockets()).as("packages (lscpu: clusters)").isEqualTo(Integer.parseInt(l.get("Cluster(s)")));
            assertThat(s.coresPerSocket()).as("cores per package (lscpu: per cluster)").isEqualTo(Integer.parseInt(l.get("Core(s) per cluster")));
        }
        // per CPU: the CPUs lscpu puts in one core / socket are those the facts do
        assertThat(c.factGroups(t -> List.of(t.packageId(), t.dieId(), t.clusterId(), t.coreId()))).as("cores").isEqualTo(c.lscpuGroups("Core"));
        if (c.rows().values().stream().anyMatch(r -> !r.getOrDefault("Socket", "").isEmpty())) {
            assertThat(c.factGroups(CpuTopology::packageId)).as("sockets").isEqualTo(c.lscpuGroups("Socket"));
        }
        if (c.rows().values().stream().anyMatch(r -> !r.getOrDefault("Cluster", "").isEmpty())) {
            assertThat("-".equals(l.get("Socket(s)")) ? c.factGroups(CpuTopology::packageId) : c.factGroups(t -> List.of(t.packageId(), t.clusterId())))
                    .as("clusters").isEqualTo(c.lscpuGroups("Cluster"));
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void numaNodesAgree(String scenario) throws IOException {
        Case c = Case.of(scenario);
        Map<String, String> expected = new TreeMap<>();
        c.lscpu().forEach((k, v) -> {
            // lscpu writes a run of two as "6,7" where the kernel writes "6-7": compare the sets
            if (k.matches("NUMA node\\d+ CPU\\(s\\)")) expected.put(k.replaceAll("\\D", ""), v.isEmpty() ? "" : CpuSet.parseList(v).toList());
        });
        Map<String, String> actual = new TreeMap<>();
        for (NumaNode n : c.facts().numa()) actual.put(Integer.toString(n.id()), n.cpus() == null ? "unknown" : n.cpus().toList());
        assertThat(actual).as("node CPU lists").isEqualTo(expected);
        assertThat(c.facts().numa()).as("NUMA node(s)").hasSize(Integer.parseInt(c.lscpu().getOrDefault("NUMA node(s)", "0")));
        for (CpuTopology t : c.online()) {
            assertThat(Integer.toString(t.node())).as("node of cpu " + t.cpu()).isEqualTo(c.rows().get(t.cpu()).get("Node"));
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void cachesAgree(String scenario) throws IOException {
        Case c = Case.of(scenario);
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        Map<String, String> oneSize = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("lscpu-caches.txt"))) {
            String[] f = line.trim().split("\\s+");
            // a cache whose size the kernel does not give has an empty ONE-SIZE column
            if (f.length > 1 && f[0].matches("L\\d[di]?")) oneSize.put(f[0], f[1].matches("\\d+[KMG]?") ? f[1] : "-");
        }
        Map<String, Set<String>> ids = new TreeMap<>();
        for (Map<String, String> row : c.rows().values()) {
            for (String name : List.of("L1d", "L1i", "L2", "L3", "L4")) {
                String id = row.get(name);
                if (id != null && !id.isEmpty() && "Y".equals(row.get("Online"))) ids.computeIfAbsent(name, k -> new TreeSet<>()).add(id);
            }
        }
        Map<String, CpuSummary.CacheTotal> totals = c.facts().cpu().summary().caches().stream()
                .collect(Collectors.toMap(CpuSummary.CacheTotal::name, t -> t));
        assertThat(totals.keySet()).as("cache levels").isEqualTo(oneSize.keySet());
        for (var e : oneSize.entrySet()) {
            CpuCache first = c.online().stream().flatMap(t -> t.caches().stream()).filter(k -> k.lscpuName().equals(e.getKey())).findFirst().orElseThrow();
            assertThat(first.sizeBytes() < 0 ? "-" : lscpuSize(first.sizeBytes())).as(e.getKey() + " one size").isEqualTo(e.getValue());
            assertThat(totals.get(e.getKey()).instances()).as(e.getKey() + " instances").isEqualTo(ids.getOrDefault(e.getKey(), Set.of()).size());
        }
    }

    /** lscpu -C's size column: 32K, 512K, 8M. */
    static String lscpuSize(long bytes) {
        if (bytes % (1 << 20) == 0) return bytes / (1 << 20) + "M";
        return bytes / 1024 + "K";
    }
}
