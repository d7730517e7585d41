package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.Requires;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kvmtune plan} on the captured fixture roots that have a {@code plan-args.txt} (one argument
 * per line): every rendered file and the text output against goldens in {@code plan/}, every domain
 * XML through libvirt's virt-xml-validate, every tuned profile through tuned's own loader, and the
 * round trip: the fixture with the plan's settings written into it passes audit for those settings.
 */
class PlanFixtureTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(Golden.resources().resolve("roots"))) {
            return s.filter(p -> Files.exists(p.resolve("plan-args.txt"))).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Path dir(String scenario) {
        return Golden.resources().resolve("roots").resolve(scenario);
    }

    static List<String> args(String scenario, Path out) throws IOException {
        List<String> a = new ArrayList<>(List.of("plan", "--snapshot", dir(scenario).resolve("snapshot.tar.gz").toString()));
        for (String l : Files.readAllLines(dir(scenario).resolve("plan-args.txt"))) if (!l.isBlank() && !l.startsWith("#")) a.add(l.strip());
        if (out != null) a.addAll(List.of("--out", out.toString()));
        return a;
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void renderedFilesMatchGoldens(String scenario, @TempDir Path out) throws IOException {
        Cli.Result r = Cli.run(args(scenario, out).toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        Path golden = dir(scenario).resolve("plan");
        Golden.check(golden.resolve("plan.txt"), r.out().replace(out.toString(), "OUT").replace(dir(scenario).toString(), "ROOT"));
        List<Path> files;
        try (Stream<Path> s = Files.walk(out)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            String rel = out.relativize(f).toString();
            Golden.check(golden.resolve(rel), Files.readString(f).replace(dir(scenario).toString(), "ROOT"));
        }
        // the JSON is the same plan, file list included
        Cli.Result json = Cli.run(Stream.concat(args(scenario, null).stream(), Stream.of("--format", "json")).toArray(String[]::new));
        JsonNode plan = JSON.readTree(json.out());
        assertThat(plan.get("schema").asInt()).isEqualTo(Plan.SCHEMA);
        assertThat(plan.get("partition").get("cpus").size()).isEqualTo(JSON.readTree(Files.readString(out.resolve("plan.json"))).get("partition").get("cpus").size());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyDomainXmlPassesVirtXmlValidate(String scenario, @TempDir Path out) throws Exception {
        Cli.Result r = Cli.run(args(scenario, out).toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        List<Path> xmls;
        try (Stream<Path> s = Files.list(out.resolve("libvirt"))) {
            xmls = s.sorted().toList();
        }
        assertThat(xmls).isNotEmpty();
        for (Path x : xmls) {
            Process p = new ProcessBuilder(Requires.command("virt-xml-validate", "libvirt-clients").toString(), x.toString(), "domain").redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("virt-xml-validate %s: %s", x, said).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void theTunedProfileLoadsThroughTunedsOwnLoader(String scenario, @TempDir Path out) throws Exception {
        Cli.Result r = Cli.run(args(scenario, out).toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode plan = JSON.readTree(Files.readString(out.resolve("plan.json")));
        Path tuned = out.resolve("tuned");
        String name;
        try (Stream<Path> s = Files.list(tuned)) {
            name = s.findFirst().orElseThrow().getFileName().toString();
        }
        Requires.file(Path.of("/usr/lib/python3/dist-packages/tuned/profiles/loader.py"), "tuned");
        Path script = Path.of("src/test/resources/dev/kvmtune/tuned/load_profile.py").toAbsolutePath();
        String online = CpuSet.parseList(plan.get("partition").get("housekeeping").asText())
                .union(CpuSet.parseList(plan.get("partition").get("isolated").asText())).toList();
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), tuned.toString(), name, online).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("tuned loader: %s", stderr).isZero();
        JsonNode loaded = JSON.readTree(stdout);
        assertThat(loaded.get("name").asText()).isEqualTo(name);
        // tuned's own profile came in through include=, and the plan's values are in the merged result
        assertThat(loaded.get("units").get("bootloader").get("options").has("cmdline_realtime")).isTrue();
        assertThat(loaded.get("variables").get("isolated_cores").asText()).isEqualTo(plan.get("partition").get("isolated").asText());
        JsonNode sysctl = loaded.get("units").get("sysctl").get("options");
        JsonNode sysfs = loaded.get("units").get("sysfs").get("options");
        for (JsonNode s : plan.get("settings")) {
            switch (s.get("kind").asText()) {
                case "sysctl" -> assertThat(sysctl.get(s.get("key").asText()).asText()).isEqualTo(s.get("value").asText());
                case "sysfs" -> assertThat(sysfs.get("/" + s.get("key").asText()).asText()).isEqualTo(s.get("value").asText());
                default -> {
                }
            }
        }
        assertThat(loaded.get("units").get("irqbalance").get("options").get("banned_cpus").asText()).isEqualTo(plan.get("partition").get("isolated").asText());
    }

    /** Writes the plan's settings into an extracted copy of the fixture the way the kernel would hold them, then audits it. */
    @ParameterizedTest
    @MethodSource("scenarios")
    void theFixtureWithThePlanAppliedPassesAuditForThoseSettings(String scenario, @TempDir Path out, @TempDir Path tree) throws Exception {
        Cli.Result r = Cli.run(args(scenario, out).toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        Process tar = new ProcessBuilder("tar", "-xzf", dir(scenario).resolve("snapshot.tar.gz").toAbsolutePath().toString(), "-C", tree.toString())
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor()).isZero();
        JsonNode plan = JSON.readTree(Files.readString(out.resolve("plan.json")));
        PlanApplier.applyToTree(plan, tree, out);
        HostFacts facts;
        Audit.Report report;
        try (DirectoryRoot root = DirectoryRoot.of(tree)) {
            facts = HostFactsCollector.collect(root);
            report = Audit.run(facts, root, ProfileLoader.load(plan.get("profile").asText()), "test",
                    CpuSet.parseList(plan.get("partition").get("isolated").asText()));
        }
        Set<String> ids = new HashSet<>();
        for (JsonNode s : plan.get("settings")) {
            String kind = s.get("kind").asText();
            // a kernel build option needs another kernel, and the fixture runs no VM
            if (kind.equals("kernel-config") || kind.equals("vm-thread")) continue;
            // hugepage counts are the partition's own, checked by the partitioner's properties, not profile settings
            if (s.get("rule").asText().matches("memory\\.hugepages\\.per_node|cmdline\\.(default_)?hugepages(z)?")) continue;
            ids.add(s.get("rule").asText());
        }
        assertThat(ids).hasSizeGreaterThan(20);
        Map<String, Finding> byId = new java.util.HashMap<>();
        for (Finding f : report.findings()) byId.putIfAbsent(f.id(), f);
        for (String id : ids) {
            Finding f = byId.get(id);
            assertThat(f).as("audit has a finding %s", id).isNotNull();
            assertThat(f.severity()).as("%s after the plan: %s (expected %s, actual %s)", id, f.title(), f.expected(), f.actual())
                    .isIn(Severity.PASS, Severity.INFO);
            if (f.severity() == Severity.INFO) assertThat(f.actual()).as(id).containsAnyOf("not loaded", "not available", "not exposed", "no such threads");
        }
    }
}
