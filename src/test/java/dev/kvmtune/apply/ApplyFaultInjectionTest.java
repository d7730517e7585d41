package dev.kvmtune.apply;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlanFile;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import dev.kvmtune.testing.TreeManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fault at every write of the fixture's whole plan, one at a time: an I/O error, a read-only
 * file system, and the target vanishing just before it is written. Each failed apply rolls back
 * to the tree as it was (less a vanished kernel file, which is gone for good), and journals it
 * as rolled back; an IRQ's failure is the tolerated kind and the apply goes on.
 */
class ApplyFaultInjectionTest {
    static final Path PLAN_DIR = Path.of("src/test/resources/roots/qemu-2socket-4node/plan").toAbsolutePath();

    @Test
    void everyStepOfThePlanFailsInTurnAndTheTreeEndsAsBefore(@TempDir Path work) throws Exception {
        Plan plan = PlanFile.parse(Files.readString(PLAN_DIR.resolve("plan.json")), "plan.json");
        Path tree = TreeManifest.extract("qemu-2socket-4node", work.resolve("tree"));
        Map<String, String> before = TreeManifest.of(tree);

        FaultyHost counting = new FaultyHost(tree, 0, FaultyHost.Fault.EIO);
        ChangeSet set = ChangeSet.of(plan, PLAN_DIR, counting, new ChangeSet.Options(false, false));
        Applier.Result clean = Applier.apply(set.changes(), counting, new JournalStore(work.resolve("j0")), info(), null);
        assertThat(clean.status()).isEqualTo(JournalRecord.Status.APPLIED);
        int n = counting.writes();
        assertThat(n).as("writes of the whole plan").isGreaterThan(40);
        Rollback.run(clean.journal(), counting);
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).isEmpty();

        int rolledBack = 0;
        int tolerated = 0;
        for (FaultyHost.Fault fault : FaultyHost.Fault.values()) {
            for (int k = 1; k <= n; k++) {
                FaultyHost host = new FaultyHost(tree, k, fault);
                JournalStore store = new JournalStore(work.resolve("j-" + fault + "-" + k));
                ChangeSet cs = ChangeSet.of(plan, PLAN_DIR, host, new ChangeSet.Options(false, false));
                Applier.Result r = Applier.apply(cs.changes(), host, store, info(), null);
                host.disarm();
                String what = fault + " at write " + k + " of " + n + " (" + host.failedTarget + ")";
                Map<String, String> expected = before;
                // The file itself, links on the way resolved (sys/bus/... leads into sys/devices/...).
                String vanished = fault != FaultyHost.Fault.VANISH || host.failedTarget == null || !Files.isDirectory(tree.resolve(host.failedTarget).getParent())
                        ? null : tree.toRealPath().relativize(
                        tree.resolve(host.failedTarget).getParent().toRealPath().resolve(Path.of(host.failedTarget).getFileName())).toString();
                boolean vanishedKernelFile = fault == FaultyHost.Fault.VANISH && vanished != null && !Files.exists(tree.resolve(vanished))
                        && before.containsKey(vanished);
                if (vanishedKernelFile) {
                    expected = new java.util.TreeMap<>(before);
                    expected.remove(vanished);
                }
                if (r.status() == JournalRecord.Status.APPLIED) {
                    // Only an IRQ the kernel keeps where it is may fail without failing the apply.
                    assertThat(host.failedTarget).as(what).startsWith("proc/irq/");
                    assertThat(r.steps()).as(what).anyMatch(s -> s.outcome() == Applier.Outcome.SKIPPED);
                    Rollback.run(r.journal(), host);
                    tolerated++;
                } else {
                    assertThat(r.status()).as(what).isEqualTo(JournalRecord.Status.ROLLED_BACK);
                    assertThat(r.failure()).as(what).isNotNull();
                    assertThat(r.rollback().failures()).as(what).isEmpty();
                    assertThat(Journal.status(Journal.read(r.journal()))).as(what).isEqualTo(JournalRecord.Status.ROLLED_BACK);
                    rolledBack++;
                }
                assertThat(TreeManifest.diff(expected, TreeManifest.of(tree))).as(what).isEmpty();
                if (vanishedKernelFile) Files.write(tree.resolve(vanished), restoreBytes(work, vanished));
                assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).as("tree reset after " + what).isEmpty();
            }
        }
        assertThat(rolledBack).isGreaterThan(2 * n);
        assertThat(tolerated).isPositive();
    }

    /** The original bytes of a fixture file, from a fresh extraction (to put back a file the fault deleted). */
    private static byte[] restoreBytes(Path work, String rel) throws Exception {
        Path fresh = work.resolve("fresh");
        if (!Files.isDirectory(fresh)) TreeManifest.extract("qemu-2socket-4node", fresh);
        return Files.readAllBytes(fresh.resolve(rel));
    }

    static Applier.PlanInfo info() {
        return new Applier.PlanInfo("plan.json", "0123456789abcdef");
    }

    @Test
    void anUnfinishedJournalBlocksTheNextApplyUntilRolledBack(@TempDir Path work) throws Exception {
        Plan plan = PlanFile.parse(Files.readString(PLAN_DIR.resolve("plan.json")), "plan.json");
        Path tree = TreeManifest.extract("qemu-2socket-4node", work.resolve("tree"));
        Map<String, String> before = TreeManifest.of(tree);
        JournalStore store = new JournalStore(work.resolve("journals"));
        HostAccess host = FileHostAccess.onTree(tree);
        // An apply that stops dead after its third change, as a crash would leave it: no end record.
        List<Change> changes = ChangeSet.of(plan, PLAN_DIR, host, new ChangeSet.Options(false, false)).changes();
        Path journal;
        try (Journal j = store.create(java.time.Instant.now(), "feedfacefeedface")) {
            journal = j.file();
            j.write(JournalIdentity.of(host).begin("plan.json", "feedface", "now", changes.size()));
            List<Change> todo = new ArrayList<>();
            for (Change c : changes) if (!c.status(host).matches()) todo.add(c);
            for (int i = 0; i < 3; i++) {
                j.write(todo.get(i).prepare(host, i + 1));
                todo.get(i).apply(host);
            }
        }
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).isNotEmpty();
        assertThat(store.blocking()).contains(journal);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Applier.apply(changes, host, store, info(), null))
                .hasMessageContaining(journal.toString()).hasMessageContaining("roll it back first");
        Rollback.Result r = Rollback.run(journal, host);
        assertThat(r.undone()).isEqualTo(3);
        assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).isEmpty();
        assertThat(store.blocking()).isEmpty();
    }
}
