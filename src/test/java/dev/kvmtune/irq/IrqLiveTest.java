package dev.kvmtune.irq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** kvmtune irq on this machine beside util-linux's lsirq, read just before and just after it. */
class IrqLiveTest {
    private static Map<String, JsonNode> lsirq(String lsirq) throws Exception {
        Process p = new ProcessBuilder(lsirq, "-J").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
        Map<String, JsonNode> m = new HashMap<>();
        for (JsonNode n : new ObjectMapper().readTree(out).path("interrupts")) m.put(n.path("irq").asText(), n);
        return m;
    }

    @Test
    void totalsAndNamesAreLsirqs() throws Exception {
        String lsirq = Requires.command("lsirq", "util-linux").toString();
        Map<String, JsonNode> before = lsirq(lsirq);
        Cli.Result r = Cli.run("irq", "--interval", "0", "--format", "json");
        Map<String, JsonNode> after = lsirq(lsirq);
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        int compared = 0;
        for (JsonNode row : doc.path("irqs")) {
            String irq = row.path("irq").asText();
            JsonNode a = before.get(irq);
            JsonNode b = after.get(irq);
            if (a == null || b == null) continue;
            long total = row.path("total").asLong();
            assertThat(total).as("IRQ %s between lsirq's two readings", irq).isBetween(a.path("total").asLong(), b.path("total").asLong());
            assertThat(row.path("count").asLong()).as("one reading: the count is the total").isEqualTo(total);
            long perCpu = 0;
            for (JsonNode c : row.path("perCpu")) perCpu += c.asLong();
            assertThat(perCpu).as("IRQ %s: per-CPU counts add up to the total", irq).isEqualTo(total);
            if (Character.isDigit(irq.charAt(0))) assertThat(row.path("name").asText()).isEqualTo(a.path("name").asText());
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(before.size() - 2).isGreaterThan(5);
        assertThat(doc.has("seconds")).as("no rates from one reading").isFalse();
    }

    @Test
    void twoReadingsGiveRatesAndTheCpuTable() throws Exception {
        Cli.Result r = Cli.run("irq", "--interval", "500ms", "--softirqs", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.path("seconds").asDouble()).isBetween(0.45, 5.0);
        JsonNode loc = null;
        for (JsonNode row : doc.path("irqs")) if (row.path("irq").asText().equals("LOC")) loc = row;
        Requires.machine(loc != null, "no LOC row: not an x86 host");
        assertThat(loc.path("count").asLong()).as("timer interrupts in half a second").isPositive();
        assertThat(loc.path("rate").asDouble()).isCloseTo(loc.path("count").asLong() / doc.path("seconds").asDouble(),
                org.assertj.core.data.Percentage.withPercentage(2));
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(doc.path("cpus").size()).isGreaterThanOrEqualTo(cpus);
        double locSum = 0;
        for (JsonNode c : doc.path("cpus")) {
            locSum += c.path("system").path("LOC").asDouble();
            assertThat(c.path("system").has("RES")).as("a counter that did not move is 0, not absent").isTrue();
            assertThat(c.path("softirqs").has("TIMER")).isTrue();
        }
        assertThat(locSum).isCloseTo(loc.path("rate").asDouble(), org.assertj.core.data.Offset.offset(0.05 * cpus + 0.1));
        Cli.Result text = Cli.run("irq", "--interval", "200ms", "--top", "3");
        assertThat(text.out()).contains("DELTA/s").contains("rates per second over");
        assertThat(text.out().lines().takeWhile(l -> !l.isBlank()).count()).isEqualTo(4);
    }

    @Test
    void badInputIsOneLine() {
        assertThat(Cli.run("irq", "--top", "0").err()).contains("--top must be positive");
        assertThat(Cli.run("irq", "--cpus", "x-y").exit()).isEqualTo(2);
    }

    /**
     * A real QEMU whose vCPU thread is pinned to one CPU, and disk writes that raise a device IRQ whose
     * effective affinity is that CPU: irq names the VM on the IRQ and flags the CPU as the vCPU's
     * (seed 001: each such interrupt is an EXTERNAL_INTERRUPT exit of that vCPU).
     */
    @Test
    void anIrqOnAPinnedVcpusCpuNamesTheVm(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        Requires.machine(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
        // the busiest device IRQ with a single effective CPU: on this kind of machine the root disk's queue
        Cli.Result probe = Cli.run("irq", "--interval", "0", "--format", "json");
        String irq = null;
        int cpu = -1;
        for (JsonNode row : new ObjectMapper().readTree(probe.out()).path("irqs")) {
            String eff = row.path("effective").asText("");
            if (Character.isDigit(row.path("irq").asText().charAt(0)) && eff.matches("\\d+") && row.path("name").asText().contains("req")) {
                irq = row.path("irq").asText();
                cpu = Integer.parseInt(eff);
                break;
            }
        }
        Requires.machine(irq != null, "no block-device queue IRQ with a single effective CPU here");
        try (dev.kvmtune.testing.Qemu q = dev.kvmtune.testing.Qemu.start(tmp, "irqvm", List.of("-S", "-m", "32M"))) {
            String vcpu = null;
            for (java.nio.file.Path t : java.nio.file.Files.list(java.nio.file.Path.of("/proc/" + q.pid() + "/task")).toList()) {
                if (java.nio.file.Files.readString(t.resolve("comm")).strip().startsWith("CPU 0/")) vcpu = t.getFileName().toString();
            }
            assertThat(new ProcessBuilder("taskset", "-pc", Integer.toString(cpu), vcpu).start().waitFor()).isZero();
            java.nio.file.Path file = tmp.resolve("io");
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        new ProcessBuilder("dd", "if=/dev/zero", "of=" + file, "bs=64k", "count=16", "oflag=direct,dsync", "status=none")
                                .start().waitFor();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            Cli.Result r = Cli.run("irq", "--interval", "1s", "--format", "json");
            writer.join();
            JsonNode doc = new ObjectMapper().readTree(r.out());
            JsonNode row = null;
            for (JsonNode n : doc.path("irqs")) if (n.path("irq").asText().equals(irq)) row = n;
            assertThat(row).isNotNull();
            assertThat(row.path("count").asLong()).as("the disk writes raised IRQ %s", irq).isPositive();
            assertThat(row.path("vms").toString()).contains("irqvm");
            JsonNode c = null;
            for (JsonNode n : doc.path("cpus")) if (n.path("cpu").asInt() == cpu) c = n;
            assertThat(c.path("flags").toString()).contains("vcpu:irqvm");
            assertThat(c.path("deviceIrqs").asDouble()).isPositive();
        }
    }
}
