package dev.kvmtune.latency;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** ticks on this machine: the counters move and the rates are plausible for its CONFIG_HZ. */
class TicksTest {
    @Test
    void countsMoveAndRatesArePlausible() throws IOException {
        Cli.Result r = Cli.run("ticks", "--interval", "1s", "--cpus", "0", "--format", "json");
        assertThat(r.exit()).as(r.err()).isIn(0, 3);
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.path("seconds").asDouble()).isBetween(0.9, 5.0);
        int hz = json.path("hz").asInt(1000);
        double loc = 0;
        for (JsonNode c : json.path("cpus")) {
            double l = c.path("perSecond").path("LOC").asDouble();
            assertThat(l).isBetween(0.0, 2.0 * hz + 100);
            loc += l;
        }
        assertThat(json.path("cpus")).isNotEmpty();
        assertThat(loc).as("some CPU took timer ticks in a second").isPositive();
        assertThat(json.path("cpus").get(0).path("verdict").asText()).isNotEmpty();
        // the command gave this JVM its CPUs back
        String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
        assertThat(status).doesNotContain("Cpus_allowed_list:\t1\n");
    }

    @Test
    void verdicts() {
        assertThat(TickSampler.verdict(1.0, 250)).startsWith("tick stopped");
        assertThat(TickSampler.verdict(249.0, 250)).startsWith("ticking");
        assertThat(TickSampler.verdict(60.0, 250)).startsWith("partly");
        assertThat(Cli.run("ticks", "--interval", "never").exit()).isEqualTo(2);
    }
}
