package dev.kvmtune.irq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import dev.kvmtune.testing.TreeManifest;
import dev.kvmtune.util.CpuSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code irq --plan} on this host's own state: a snapshot of it (with capture's second reading), a
 * tree made from that snapshot that apply changes and rollback restores byte for byte, and the live
 * host itself, where apply moves real IRQs and rollback moves them back.
 */
class IrqPlanTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** This host as a tree: captured, then extracted. */
    private Path hostTree() throws Exception {
        Path snap = tmp.resolve("host.tar.gz");
        Cli.Result c = Cli.run("capture", "-o", snap.toString(), "--irq-interval", "500ms");
        assertThat(c.exit()).as(c.err()).isZero();
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Process p = new ProcessBuilder("tar", "xzf", snap.toString(), "-C", tree.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Files.delete(tree.resolve("kvmtune-snapshot.json"));
        return tree;
    }

    @Test
    void aSnapshotKeepsTwoReadingsAndTheDevices() throws Exception {
        Path snap = tmp.resolve("s.tar.gz");
        assertThat(Cli.run("capture", "-o", snap.toString(), "--irq-interval", "700ms").exit()).isZero();
        JsonNode fromSnap = JSON.readTree(Cli.run("irq", "--snapshot", snap.toString(), "--format", "json").out());
        assertThat(fromSnap.path("seconds").asDouble()).isBetween(0.69, 5.0);
        JsonNode live = JSON.readTree(Cli.run("irq", "--interval", "0", "--format", "json").out());
        Map<String, String> devices = new HashMap<>();
        for (JsonNode i : live.path("irqs")) devices.put(i.path("irq").asText(), i.path("pci").asText("") + "|" + i.path("nic").asText(""));
        int withDevice = 0;
        for (JsonNode i : fromSnap.path("irqs")) {
            String d = i.path("pci").asText("") + "|" + i.path("nic").asText("");
            if (devices.containsKey(i.path("irq").asText())) assertThat(d).as("IRQ " + i.path("irq").asText()).isEqualTo(devices.get(i.path("irq").asText()));
            if (i.has("pci")) withDevice++;
        }
        Requires.machine(withDevice > 0, "this host has no PCI device with MSI IRQs");
        // --interval 0 asks for totals since boot even when the snapshot has a second reading
        assertThat(JSON.readTree(Cli.run("irq", "--snapshot", snap.toString(), "--interval", "0", "--format", "json").out()).has("seconds")).isFalse();
        // without a second reading: totals, said in a note
        Path once = tmp.resolve("once.tar.gz");
        assertThat(Cli.run("capture", "-o", once.toString(), "--irq-interval", "0").exit()).isZero();
        JsonNode one = JSON.readTree(Cli.run("irq", "--snapshot", once.toString(), "--format", "json").out());
        assertThat(one.has("seconds")).isFalse();
        assertThat(one.path("notes").toString()).contains("one reading");
    }

    @Test
    void applyOnATreeMovesWhatThePlanSaysAndRollbackRestoresItByteForByte() throws Exception {
        Path tree = hostTree();
        List<Path> rps;
        try (Stream<Path> s = Files.find(tree.resolve("sys"), 12, (p, a) -> p.getFileName().toString().equals("rps_cpus") && a.isRegularFile())) {
            rps = s.toList();
        }
        // a mask reaching the CPU kept free, in the kernel's own notation
        for (Path p : rps) Files.writeString(p, "3\n");
        Map<String, String> before = TreeManifest.of(tree);
        Path out = tmp.resolve("plan");
        Cli.Result plan = Cli.run("--root", tree.toString(), "irq", "--plan", "--avoid", "1", "--out", out.toString());
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("kept free:         1").contains("apply them: kvmtune apply " + out.resolve("plan.json") + " --yes --root " + tree);
        JsonNode p = JSON.readTree(out.resolve("plan.json").toFile());
        assertThat(p.path("profile").asText()).isEqualTo("irq-balance");
        List<String> moved = new ArrayList<>();
        for (JsonNode s : p.path("settings")) {
            String key = s.path("key").asText();
            if (key.startsWith("irq/")) {
                assertThat(CpuSet.parseList(s.path("value").asText()).contains(1)).isFalse();
                moved.add(key.substring(4));
            }
            if (key.endsWith("rps_cpus")) assertThat(s.path("value").asText()).isEqualTo("1");
        }
        assertThat(moved).isNotEmpty();

        Cli.Result apply = Cli.run("--root", tree.toString(), "apply", out.resolve("plan.json").toString(), "--yes");
        assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
        for (String irq : moved) {
            String now = Files.readString(tree.resolve("proc/irq/" + irq + "/smp_affinity_list")).strip();
            assertThat(CpuSet.parseList(now).contains(1)).as("IRQ " + irq + ": " + now).isFalse();
        }
        for (Path r : rps) assertThat(Files.readString(r).strip()).isEqualTo("1");
        String ib = Files.readString(tree.resolve("etc/default/irqbalance"));
        assertThat(ib).contains("IRQBALANCE_BANNED_CPULIST=\"1\"").contains("IRQBALANCE_BANNED_CPUS=\"2\"");
        assertThat(Files.readString(tree.resolve("proc/irq/default_smp_affinity")).strip()).isEqualTo("1");

        Cli.Result rb = Cli.run("--root", tree.toString(), "rollback");
        assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
        Map<String, String> after = TreeManifest.of(tree);
        // what stays is the journal, under var/lib/kvmtune
        after.keySet().removeIf(k -> k.startsWith("var/"));
        assertThat(before.keySet().stream().filter(k -> k.startsWith("var/"))).isEmpty();
        assertThat(TreeManifest.diff(before, after)).isEmpty();
    }

    @Test
    void anIrqNumberNowServingAnotherDeviceIsLeftAlone() throws Exception {
        Path tree = hostTree();
        Path out = tmp.resolve("plan");
        assertThat(Cli.run("--root", tree.toString(), "irq", "--plan", "--avoid", "1", "--out", out.toString()).exit()).isZero();
        JsonNode first = null;
        for (JsonNode s : JSON.readTree(out.resolve("plan.json").toFile()).path("settings")) {
            if (s.path("key").asText().startsWith("irq/") && !s.path("title").asText().isEmpty()) {
                first = s;
                break;
            }
        }
        Requires.machine(first != null, "no IRQ with a handler to move on this host");
        String irq = first.path("key").asText().substring(4);
        String handler = first.path("title").asText();
        // after a reboot the number went to another driver
        Path interrupts = tree.resolve("proc/interrupts");
        List<String> lines = new ArrayList<>(Files.readAllLines(interrupts, StandardCharsets.UTF_8));
        lines.replaceAll(l -> l.stripLeading().startsWith(irq + ":") ? l.replace(handler.split(",")[0], "nvme0q1") : l);
        Files.write(interrupts, lines, StandardCharsets.UTF_8);
        String was = Files.readString(tree.resolve("proc/irq/" + irq + "/smp_affinity_list"));
        Cli.Result apply = Cli.run("--root", tree.toString(), "apply", out.resolve("plan.json").toString(), "--yes");
        assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
        assertThat(apply.out()).contains("IRQ " + irq + " is 'nvme0q1").contains("plan again");
        assertThat(Files.readString(tree.resolve("proc/irq/" + irq + "/smp_affinity_list"))).isEqualTo(was);
    }

    @Test
    void misuseIsOneClearLine() throws Exception {
        assertThat(Cli.run("irq", "--avoid", "1").err()).contains("--avoid goes with --plan");
        assertThat(Cli.run("irq", "--out", tmp.toString()).err()).contains("--out goes with --plan");
        Cli.Result all = Cli.run("irq", "--plan", "--interval", "0", "--avoid", "0-4095");
        assertThat(all.exit()).isEqualTo(2);
        assertThat(all.err()).contains("no housekeeping CPU is left").doesNotContain("Exception");
        // a hand-edited plan with a key no kind holds is refused before anything is read
        Path bad = tmp.resolve("bad.json");
        Path out = tmp.resolve("p");
        assertThat(Cli.run("irq", "--plan", "--interval", "0", "--avoid", "1", "--out", out.toString()).exit()).isZero();
        Files.writeString(bad, Files.readString(out.resolve("plan.json")).replaceFirst("\"key\" : \"default\"", "\"key\" : \"irq/../../etc\""));
        Cli.Result r = Cli.run("apply", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("the key is 'movable', 'default' or 'irq/N'");
    }

    /** On the live host: a harmless move (every movable IRQ to CPU 0), read back, rolled back. */
    @Test
    void liveApplyMovesIrqsAndRollbackMovesThemBack() throws Exception {
        Requires.root("writes /proc/irq/*/smp_affinity_list");
        JsonNode cpus = JSON.readTree(Cli.run("irq", "--interval", "0", "--format", "json").out()).path("cpus");
        Requires.machine(cpus.size() >= 2, "one CPU: nothing to keep free");
        Map<String, String> before = affinities();
        Path out = tmp.resolve("plan");
        String avoid = "1-" + (cpus.size() - 1);
        assertThat(Cli.run("irq", "--plan", "--interval", "0", "--avoid", avoid, "--out", out.toString()).exit()).isZero();
        Path journals = tmp.resolve("journals");
        // irqbalance's file under /etc is left alone here: the tree test checks it
        Cli.Result apply = Cli.run("apply", out.resolve("plan.json").toString(), "--yes", "--skip", "service", "--journal-dir", journals.toString());
        try {
            assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
            JsonNode plan = JSON.readTree(out.resolve("plan.json").toFile());
            int moved = 0;
            for (JsonNode s : plan.path("settings")) {
                String key = s.path("key").asText();
                if (!key.startsWith("irq/")) continue;
                String irq = key.substring(4);
                if (apply.out().contains("irq-affinity " + key + ": ") && apply.out().lines().anyMatch(l -> l.startsWith("[changed] irq-affinity " + key + ":"))) {
                    assertThat(Files.readString(Path.of("/proc/irq/" + irq + "/smp_affinity_list")).strip()).isEqualTo(s.path("value").asText());
                    moved++;
                }
            }
            assertThat(moved).as(apply.out()).isPositive();
        } finally {
            Cli.Result rb = Cli.run("rollback", "--journal-dir", journals.toString());
            assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
        }
        assertThat(affinities()).isEqualTo(before);
    }

    private static Map<String, String> affinities() throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/irq"))) {
            for (Path d : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                Path f = d.resolve("smp_affinity_list");
                if (Files.exists(f)) out.put(d.getFileName().toString(), Files.readString(f).strip());
            }
        }
        return out;
    }
}
