package dev.kvmtune.facts;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fixture roots captured from real machines with {@code kvmtune capture}
 * (src/test/resources/roots/SCENARIO/snapshot.tar.gz); the whole output of {@code facts} for each
 * is diffed against goldens beside it.
 */
class FixtureRootsTest {
    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(Golden.resources().resolve("roots"))) {
            return s.filter(p -> Files.exists(p.resolve("snapshot.tar.gz"))).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void factsJsonMatchesGolden(String scenario) throws IOException {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        Cli.Result r = Cli.run("facts", "--snapshot", dir.resolve("snapshot.tar.gz").toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        Golden.check(dir.resolve("facts.json"), r.out().replace(dir.toString(), "ROOT"));
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void factsTextMatchesGolden(String scenario) throws IOException {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        Cli.Result r = Cli.run("facts", "--snapshot", dir.resolve("snapshot.tar.gz").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Golden.check(dir.resolve("facts.txt"), r.out().replace(dir.toString(), "ROOT"));
    }

    /** The audit of each fixture with the realtime host profile and with auto, as text and JSON. */
    @ParameterizedTest
    @MethodSource("scenarios")
    void auditMatchesGoldens(String scenario) throws IOException {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        String snap = dir.resolve("snapshot.tar.gz").toString();
        for (String profile : List.of("realtime-virtual-host", "auto")) {
            Cli.Result text = Cli.run("audit", "--snapshot", snap, "--profile", profile, "--fail-on", "fail");
            assertThat(text.exit()).as(text.err()).isIn(0, 3);
            Golden.check(dir.resolve("audit-" + profile + ".txt"), text.out().replace(dir.toString(), "ROOT"));
            Cli.Result json = Cli.run("audit", "--snapshot", snap, "--profile", profile, "--format", "json");
            assertThat(json.exit()).isEqualTo(text.exit());
            Golden.check(dir.resolve("audit-" + profile + ".json"), json.out().replace(dir.toString(), "ROOT"));
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyValueNamesItsSource(String scenario) {
        Path dir = Golden.resources().resolve("roots").resolve(scenario);
        try (Root root = dev.kvmtune.facts.snapshot.SnapshotRoot.open(dir.resolve("snapshot.tar.gz"))) {
            HostFacts f = HostFactsCollector.collect(root);
            assertThat(f.cpu().cpus()).isNotEmpty();
            assertThat(f.kernel().cmdline().source()).isEqualTo("proc/cmdline");
            for (Sourced<String> s : f.sysctls().values()) assertThat(s.source()).startsWith("proc/sys/");
            assertThat(List.of(f.memory().thpEnabled().source(), f.power().clocksource().source()))
                    .allSatisfy(p -> assertThat(p).doesNotStartWith("/"));
        }
    }
}
