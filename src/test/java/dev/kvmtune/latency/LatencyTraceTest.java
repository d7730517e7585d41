package dev.kvmtune.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * latency trace on this machine's real tracefs: with the irqsoff tracer it traces and puts the
 * tracer back; without it (this project's test machine) it refuses with the reason and exit 2.
 */
class LatencyTraceTest {
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");

    @Test
    void tracesOrSaysWhyNot() throws IOException {
        Path avail = TRACEFS.resolve("available_tracers");
        Cli.Result r = Cli.run("latency", "trace", "--tracer", "irqsoff", "--duration", "1s");
        if (!Files.isReadable(avail)) {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("mount tracefs");
        } else if (!List.of(Files.readString(avail).strip().split("\\s+")).contains("irqsoff")) {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("no irqsoff tracer").contains("CONFIG_IRQSOFF_TRACER");
        } else {
            String before = Files.readString(TRACEFS.resolve("current_tracer"));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("irqsoff: tracing_max_latency ");
            assertThat(Files.readString(TRACEFS.resolve("current_tracer"))).isEqualTo(before);
        }
        assertThat(Cli.run("latency", "trace", "--tracer", "bogus").exit()).isEqualTo(2);
    }
}
