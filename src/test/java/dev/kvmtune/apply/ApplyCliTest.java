package dev.kvmtune.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.TreeManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apply and rollback commands on fixture trees: output channels, exit codes, bad input. */
class ApplyCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path FIXTURE = Golden.resources().resolve("roots/nested-kvm-2cpu");

    static String norm(String s, Path tree, Path plan, Path journals) {
        return s.replace(plan.toString(), "PLAN").replace(tree.toString(), "TREE").replace(journals.toString(), "JOURNALS")
                .replaceAll("apply-\\d{8}T\\d{6}Z-[0-9a-f]{8}(-\\d+)?\\.jsonl", "apply-TIME-HASH.jsonl");
    }

    @Test
    void dryRunApplyStatusAndRollbackOnAFixtureTree(@TempDir Path work) throws Exception {
        Path tree = TreeManifest.extract("nested-kvm-2cpu", work.resolve("tree"));
        Map<String, String> before = TreeManifest.of(tree);
        Path plan = FIXTURE.resolve("plan/plan.json");
        Path journals = work.resolve("journals");
        String[] common = {"--root", tree.toString(), "--journal-dir", journals.toString()};

        Cli.Result dry = Cli.run(concat(new String[] {"apply", plan.toString()}, common));
        assertThat(dry.exit()).as(dry.err()).isZero();
        Golden.check(FIXTURE.resolve("apply/dry-run.txt"), norm(dry.out(), tree, plan, journals));
        Cli.Result dryJson = Cli.run(concat(new String[] {"apply", plan.toString(), "--format", "json"}, common));
        Golden.check(FIXTURE.resolve("apply/dry-run.json"), norm(dryJson.out(), tree, plan, journals));
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).as("a dry run writes nothing").isEmpty();

        Cli.Result yes = Cli.run(concat(new String[] {"apply", plan.toString(), "--yes"}, common));
        assertThat(yes.exit()).as(yes.err()).isZero();
        Golden.check(FIXTURE.resolve("apply/apply.txt"), norm(yes.out(), tree, plan, journals));
        assertThat(Files.readString(tree.resolve("proc/sys/vm/stat_interval"))).isEqualTo("10\n");
        assertThat(Files.readString(tree.resolve("etc/default/irqbalance"))).contains("IRQBALANCE_BANNED_CPULIST=\"1\"");
        assertThat(tree.resolve("etc/tuned/kvmtune-realtime-virtual-host/tuned.conf")).hasSameTextualContentAs(
                FIXTURE.resolve("plan/tuned/kvmtune-realtime-virtual-host/tuned.conf"));

        Cli.Result again = Cli.run(concat(new String[] {"apply", plan.toString(), "--yes"}, common));
        assertThat(again.exit()).isZero();
        assertThat(again.out()).startsWith("Nothing to change");

        Cli.Result status = Cli.run(concat(new String[] {"apply", "--status", "--format", "json"}, common));
        JsonNode st = JSON.readTree(status.out());
        assertThat(st).hasSize(1);
        assertThat(st.get(0).get("status").asText()).isEqualTo("applied");

        Cli.Result rb = Cli.run(concat(new String[] {"rollback"}, common));
        assertThat(rb.exit()).as(rb.err()).isZero();
        Golden.check(FIXTURE.resolve("apply/rollback.txt"), norm(rb.out(), tree, plan, journals));
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).isEmpty();
        Cli.Result twice = Cli.run(concat(new String[] {"rollback"}, common));
        assertThat(twice.exit()).isZero();
        assertThat(twice.out()).contains("already rolled back");
    }

    /** A journal is undone only on the root it was written for; anything not a journal is refused untouched. */
    @Test
    void rollbackRefusesForeignJournalsAndNonJournals(@TempDir Path work) throws Exception {
        Path a = TreeManifest.extract("nested-kvm-2cpu", work.resolve("a"));
        Path b = TreeManifest.extract("nested-kvm-2cpu", work.resolve("b"));
        Path plan = FIXTURE.resolve("plan/plan.json");
        Path journals = work.resolve("journals");
        Cli.Result yes = Cli.run("apply", plan.toString(), "--yes", "--root", a.toString(), "--journal-dir", journals.toString());
        assertThat(yes.exit()).as(yes.err()).isZero();
        Path journal = new JournalStore(journals).latest().orElseThrow();
        Map<String, String> appliedA = TreeManifest.of(a);
        Map<String, String> beforeB = TreeManifest.of(b);
        String journalBytes = Files.readString(journal);

        Cli.Result foreign = Cli.run("rollback", journal.toString(), "--root", b.toString(), "--journal-dir", journals.toString());
        assertThat(foreign.exit()).isEqualTo(2);
        assertThat(foreign.err()).contains("written for root " + a.toRealPath()).contains("not for root " + b.toRealPath())
                .contains("kvmtune rollback " + journal + " --root " + a.toRealPath() + " --journal-dir " + journals);
        assertThat(foreign.err().lines()).hasSize(1);
        assertThat(TreeManifest.diff(beforeB, TreeManifest.of(b))).as("B untouched").isEmpty();
        assertThat(TreeManifest.diff(appliedA, TreeManifest.of(a))).as("A still applied").isEmpty();
        assertThat(Files.readString(journal)).as("journal not marked").isEqualTo(journalBytes);
        Cli.Result live = Cli.run("rollback", journal.toString(), "--journal-dir", journals.toString());
        assertThat(live.exit()).as("the live host is another root too").isEqualTo(2);
        assertThat(live.err()).contains("not for root / ");

        for (String content : new String[] {"", "hello\n", "{\"type\":\"end\",\"status\":\"applied\"}\n", "\u0000\u0001binary"}) {
            Path text = Files.writeString(work.resolve("not-a-journal.txt"), content);
            Cli.Result r = Cli.run("rollback", text.toString(), "--root", a.toString(), "--journal-dir", journals.toString());
            assertThat(r.exit()).as("%s: %s", content, r.err()).isEqualTo(2);
            assertThat(r.err()).contains(text + ": not a kvmtune apply journal");
            assertThat(Files.readString(text)).isEqualTo(content);
        }
        assertThat(TreeManifest.diff(appliedA, TreeManifest.of(a))).isEmpty();

        Cli.Result back = Cli.run("rollback", journal.toString(), "--root", a.toString(), "--journal-dir", journals.toString());
        assertThat(back.exit()).as(back.err()).isZero();
    }

    @Test
    void aFailingWriteRollsBackWithExit4(@TempDir Path work) throws Exception {
        Path tree = TreeManifest.extract("nested-kvm-2cpu", work.resolve("tree"));
        // The hugepage count is the plan's last kernel value; as a directory it cannot be written.
        Path nr = tree.resolve("sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages");
        Files.delete(nr);
        Files.createDirectory(nr);
        Map<String, String> before = TreeManifest.of(tree);
        Path journals = work.resolve("journals");
        Cli.Result r = Cli.run("apply", FIXTURE.resolve("plan/plan.json").toString(), "--yes", "--root", tree.toString(),
                "--journal-dir", journals.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.out()).contains("FAILED at sysfs sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages")
                .contains("Rolled back");
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).isEmpty();
        Cli.Result st = Cli.run("apply", "--status", "--root", tree.toString(), "--journal-dir", journals.toString());
        assertThat(st.out()).contains("rolled-back");
    }

    @Test
    void badInputIsExit2WithTheFileNamed(@TempDir Path work) throws Exception {
        Path tree = TreeManifest.extract("nested-kvm-2cpu", work.resolve("tree"));
        Path journals = work.resolve("journals");
        Path garbage = work.resolve("garbage.json");
        Files.writeString(garbage, "{\"schema\": 1,\n \"settings\": [ oops ]}");
        Cli.Result r = Cli.run("apply", garbage.toString(), "--root", tree.toString(), "--journal-dir", journals.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(garbage + ":2:").contains("not a kvmtune plan");

        ObjectNode plan = (ObjectNode) JSON.readTree(FIXTURE.resolve("plan/plan.json").toFile());
        ((ObjectNode) plan.get("host")).put("cpus", 16);
        Path other = work.resolve("other.json");
        Files.writeString(other, JSON.writeValueAsString(plan));
        Cli.Result mismatch = Cli.run("apply", other.toString(), "--root", tree.toString(), "--journal-dir", journals.toString());
        assertThat(mismatch.exit()).isEqualTo(2);
        assertThat(mismatch.err()).contains("planned for a host with 16 possible CPUs").contains("has 2");

        plan.put("schema", 9);
        Files.writeString(other, JSON.writeValueAsString(plan));
        assertThat(Cli.run("apply", other.toString(), "--root", tree.toString()).err()).contains("plan schema 9");

        Cli.Result snap = Cli.run("apply", FIXTURE.resolve("plan/plan.json").toString(), "--snapshot", FIXTURE.resolve("snapshot.tar.gz").toString());
        assertThat(snap.exit()).isEqualTo(2);
        assertThat(snap.err()).contains("apply does not read a snapshot");

        Cli.Result skip = Cli.run("apply", FIXTURE.resolve("plan/plan.json").toString(), "--root", tree.toString(), "--skip", "vm.nothing");
        assertThat(skip.exit()).isEqualTo(2);
        assertThat(skip.err()).contains("--skip vm.nothing: no setting");
        Cli.Result skipped = Cli.run("apply", FIXTURE.resolve("plan/plan.json").toString(), "--root", tree.toString(), "--skip", "vm.stat_interval",
                "--skip", "irq-affinity");
        assertThat(skipped.exit()).isZero();
        // the changes listed leave them out; the hint below them repeats the --skip options
        String listed = skipped.out().substring(0, skipped.out().indexOf("Apply with:"));
        assertThat(listed).doesNotContain("stat_interval").doesNotContain("smp_affinity");
        assertThat(skipped.out()).contains("--skip vm.stat_interval --skip irq-affinity");

        Cli.Result none = Cli.run("apply", work.resolve("absent.json").toString(), "--root", tree.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("absent.json");

        Cli.Result noJournal = Cli.run("rollback", "--root", tree.toString(), "--journal-dir", journals.toString());
        assertThat(noJournal.exit()).isEqualTo(2);
        assertThat(noJournal.err()).contains("no apply journal");

        Files.createDirectories(journals);
        Path cut = journals.resolve("apply-20261122T000000Z-00000000.jsonl");
        Files.writeString(cut, "{\"type\":\"begin\",\"version\":1}\nnot json\n{\"type\":\"step\"}\n");
        Cli.Result damaged = Cli.run("rollback", cut.toString(), "--root", tree.toString(), "--journal-dir", journals.toString());
        assertThat(damaged.exit()).isEqualTo(2);
        assertThat(damaged.err()).contains(cut + ":2:");
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The dry run's hint applies what the dry run showed: the same --skip, --allow-swapoff, --root and --journal-dir. */
    @Test
    void theApplyHintCarriesTheDryRunsOptions(@TempDir Path work) throws Exception {
        Path tree = TreeManifest.extract("nested-kvm-2cpu", work.resolve("tree"));
        Path plan = FIXTURE.resolve("plan/plan.json");
        Path journals = work.resolve("j");
        Cli.Result dry = Cli.run("apply", plan.toString(), "--skip", "vm.swappiness", "--allow-swapoff", "--root", tree.toString(),
                "--journal-dir", journals.toString());
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("Apply with: kvmtune apply " + plan + " --yes --skip vm.swappiness --allow-swapoff --root " + tree
                + " --journal-dir " + journals + "\n");
    }
}
