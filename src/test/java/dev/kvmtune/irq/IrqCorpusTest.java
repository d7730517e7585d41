package dev.kvmtune.irq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * irq on the snapshots of real machines and real guests (x86 of several topologies, arm64 with
 * GICv3, ppc64le): each IRQ's total is what a plain count of its /proc/interrupts line gives, and
 * each CPU's device-IRQ count is the sum down its column; with a capture's second reading, the
 * totals are those of the later one.
 */
class IrqCorpusTest {
    @TestFactory
    Stream<DynamicTest> totalsAreAHandCount() throws Exception {
        List<Path> snaps;
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/roots"))) {
            snaps = s.map(d -> d.resolve("snapshot.tar.gz")).filter(Files::exists).sorted().toList();
        }
        assertThat(snaps).hasSizeGreaterThanOrEqualTo(8);
        return snaps.stream().map(snap -> DynamicTest.dynamicTest(snap.getParent().getFileName().toString(), () -> {
            String text;
            String later;
            try (SnapshotRoot root = SnapshotRoot.open(snap)) {
                text = root.read("proc/interrupts").orElseThrow();
                later = root.read("kvmtune/later/proc/interrupts").orElse(null);
            }
            String[] lines = text.split("\n");
            Map<Integer, Long> perColumn = new HashMap<>();
            Map<String, Long> expected = handCount(lines, perColumn);
            // one reading (--interval 0): totals since boot, as the snapshot's proc/interrupts has them
            Cli.Result r = Cli.run("irq", "--snapshot", snap.toString(), "--interval", "0", "--format", "json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode doc = new ObjectMapper().readTree(r.out());
            assertThat(totals(doc)).isEqualTo(expected);
            if (later != null) {
                // a capture's second reading gives rates, and the totals are those of that later reading
                JsonNode two = new ObjectMapper().readTree(Cli.run("irq", "--snapshot", snap.toString(), "--format", "json").out());
                assertThat(totals(two)).isEqualTo(handCount(later.split("\n"), new HashMap<>()));
            }
            String[] header = lines[0].trim().split("\\s+");
            for (JsonNode c : doc.path("cpus")) {
                int col = List.of(header).indexOf("CPU" + c.path("cpu").asInt());
                assertThat(c.path("deviceIrqs").asDouble()).as("CPU%d", c.path("cpu").asInt()).isEqualTo((double) perColumn.getOrDefault(col, 0L));
            }
            // the tree: every CPU once, each level the sum of the levels below it
            JsonNode tree = new ObjectMapper().readTree(Cli.run("irq", "--snapshot", snap.toString(), "--interval", "0", "--tree", "--format", "json")
                    .out()).path("tree");
            double all = 0;
            for (JsonNode c : doc.path("cpus")) all += c.path("deviceIrqs").asDouble();
            assertThat(tree.path("deviceIrqs").asDouble()).isEqualTo(all);
            assertThat(leaves(tree)).isEqualTo(doc.path("cpus").size());
            Cli.Result t = Cli.run("irq", "--snapshot", snap.toString(), "--interval", "0");
            assertThat(t.out()).contains("counts since boot").doesNotContain("null");
        }));
    }

    /** Each IRQ's count summed along its line of proc/interrupts; the numbered IRQs' counts also down each column. */
    private static Map<String, Long> handCount(String[] lines, Map<Integer, Long> perColumn) {
        int ncpu = lines[0].trim().split("\\s+").length;
        Map<String, Long> expected = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 2 || !f[0].endsWith(":")) continue;
            String irq = f[0].substring(0, f[0].length() - 1);
            long sum = 0;
            for (int k = 1; k <= ncpu && k < f.length && f[k].matches("\\d+"); k++) {
                sum += Long.parseLong(f[k]);
                if (Character.isDigit(irq.charAt(0))) perColumn.merge(k - 1, Long.parseLong(f[k]), Long::sum);
            }
            expected.put(irq, sum);
        }
        return expected;
    }

    private static Map<String, Long> totals(JsonNode doc) {
        Map<String, Long> got = new HashMap<>();
        for (JsonNode row : doc.path("irqs")) got.put(row.path("irq").asText(), row.path("total").asLong());
        return got;
    }

    /** Counts the CPUs at the leaves, checking each level adds up its children. */
    private static int leaves(JsonNode n) {
        if (!n.has("children")) {
            assertThat(n.path("level").asText()).isEqualTo("cpu");
            return 1;
        }
        double sum = 0;
        int count = 0;
        for (JsonNode c : n.path("children")) {
            sum += c.path("deviceIrqs").asDouble();
            count += leaves(c);
        }
        assertThat(sum).as(n.path("level").asText() + " " + n.path("id").asText()).isCloseTo(n.path("deviceIrqs").asDouble(),
                org.assertj.core.data.Offset.offset(0.05));
        return count;
    }
}
