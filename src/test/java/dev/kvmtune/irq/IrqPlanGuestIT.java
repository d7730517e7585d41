package dev.kvmtune.irq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code irq --plan}, {@code apply} and {@code rollback} inside a real Linux guest (QEMU TCG, 4 vCPUs,
 * a virtio-net NIC with traffic through it), kvmtune run from this host's packaged jar over 9p
 * (src/test/resources/irq/virtio-net-guest.sh). The NIC's IRQs are seen landing only on the
 * planned housekeeping CPUs after the apply, and every affinity is as it was after the rollback.
 * Needs Debian's linux-image-*-amd64 .deb, which ./test downloads into target/guest-kernel.
 */
class IrqPlanGuestIT {
    static final Path SCRIPT = Path.of("src/test/resources/irq/virtio-net-guest.sh");

    @TempDir
    Path tmp;

    static Path kernelDeb() throws IOException {
        List<Path> dirs = List.of(Path.of("target/guest-kernel"), Path.of("/var/cache/apt/archives"));
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                var found = s.filter(p -> p.getFileName().toString().matches("linux-image-\\d[\\d.]*-\\d+-amd64_.*_amd64\\.deb"))
                        .max(Comparator.comparing(p -> p.getFileName().toString()));
                if (found.isPresent()) return found.get();
            }
        }
        return null;
    }

    @Test
    void nicIrqsMoveToThePlannedCpusAndBack() throws Exception {
        Path deb = kernelDeb();
        assumeTrue(deb != null, "no Debian linux-image-N-amd64 .deb in target/guest-kernel (./test downloads it)");
        assumeTrue(Files.isRegularFile(Path.of("target/kvmtune.jar")), "the packaged jar (run by failsafe after package)");
        assumeTrue("root".equals(System.getProperty("user.name")), "the guest's 9p share of / needs root");
        Path out = tmp.resolve("guest");
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), deb.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("script.log").toFile()).start();
        assertThat(p.waitFor(30, TimeUnit.MINUTES)).as("the guest finishes").isTrue();
        assertThat(p.exitValue()).as(read(tmp.resolve("script.log")) + read(out.resolve("guest.log"))).isZero();
        String nic = read(out.resolve("nic")).strip();

        // the plan: NIC queue IRQs to one housekeeping CPU each, nothing onto the CPUs kept free
        JsonNode plan = new ObjectMapper().readTree(out.resolve("plan.json").toFile());
        assertThat(plan.path("partition").path("isolated").asText()).isEqualTo("2-3");
        List<String> nicIrqs = new ArrayList<>();
        for (JsonNode s : plan.path("settings")) {
            if (!s.path("key").asText().startsWith("irq/")) continue;
            CpuSet to = CpuSet.parseList(s.path("value").asText());
            assertThat(CpuSet.parseList("0-1").containsAll(to)).as(s.toString()).isTrue();
            if (s.path("title").asText().matches("virtio\\d+-(input|output)\\.\\d+")) {
                assertThat(to.size()).isEqualTo(1);
                nicIrqs.add(s.path("key").asText().substring(4));
            }
        }
        assertThat(nicIrqs).as("the NIC's queue IRQs are planned").hasSizeGreaterThanOrEqualTo(2);
        assertThat(read(out.resolve("apply.rc")).strip()).as(read(out.resolve("apply.txt"))).isEqualTo("0");

        // after the apply, traffic: the queue IRQs fire, and only on their planned CPU
        InterruptsReader.Table a = InterruptsReader.parse(read(out.resolve("interrupts-2.txt")), "interrupts-2.txt");
        InterruptsReader.Table b = InterruptsReader.parse(read(out.resolve("interrupts-3.txt")), "interrupts-3.txt");
        for (String irq : nicIrqs) {
            String want = null;
            for (JsonNode s : plan.path("settings")) if (s.path("key").asText().equals("irq/" + irq)) want = s.path("value").asText();
            int cpu = Integer.parseInt(want);
            long[] before = a.row(irq).counts();
            long[] after = b.row(irq).counts();
            for (int c = 0; c < after.length; c++) {
                long delta = after[c] - before[c];
                if (c == cpu) assertThat(delta).as("IRQ %s on its planned CPU %d", irq, c).isPositive();
                else assertThat(delta).as("IRQ %s on CPU %d after the apply", irq, c).isZero();
            }
        }
        // the live report named the NIC behind its queue IRQs
        JsonNode report = new ObjectMapper().readTree(out.resolve("irq.json").toFile());
        List<String> named = new ArrayList<>();
        for (JsonNode r : report.path("irqs")) if (nic.equals(r.path("nic").asText())) named.add(r.path("irq").asText());
        assertThat(named).containsAll(nicIrqs);

        assertThat(read(out.resolve("rollback.rc")).strip()).as(read(out.resolve("rollback.txt"))).isEqualTo("0");
        assertThat(read(out.resolve("affinity-rolledback.txt"))).isEqualTo(read(out.resolve("affinity-before.txt")));
    }

    private static String read(Path p) throws IOException {
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : "(" + p.getFileName() + " missing)\n";
    }
}
