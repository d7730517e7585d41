package dev.kvmtune.apply;

import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import dev.kvmtune.testing.TreeManifest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real child JVM applying the fixture's whole plan to a tree is killed with SIGKILL at random
 * points; each time, the journal it leaves blocks a new apply until rollback, and rollback puts
 * the tree back byte for byte (the temporary files of a write cut short included).
 */
class ApplyCrashTest {
    static final int TRIALS = 24;
    static final long PAUSE_MS = 6;

    @Test
    void killedAtRandomPointsThenRolledBackTheTreeIsExactlyAsBefore(@TempDir Path work) throws Exception {
        Path tree = TreeManifest.extract("qemu-2socket-4node", work.resolve("tree"));
        Map<String, String> before = TreeManifest.of(tree);
        Path planDir = Path.of("src/test/resources/roots/qemu-2socket-4node/plan").toAbsolutePath();
        String java = ProcessHandle.current().info().command().orElse("java");
        Random rnd = new Random(20261122L);
        int killedMidway = 0;
        List<String> outcomes = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
            Path journals = work.resolve("journals-" + trial);
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ApplyChild.class.getName(),
                    tree.toString(), journals.toString(), planDir.toString(), String.valueOf(PAUSE_MS))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("child start").startsWith("ready");
            int changes = Integer.parseInt(ready.substring(6).strip());
            // About 55 writes of PAUSE_MS each: kill anywhere from before the first to just after the last.
            Thread.sleep(rnd.nextInt((int) (changes * PAUSE_MS * 1.3) + 1));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            JournalStore store = new JournalStore(journals);
            var blocking = store.blocking();
            HostAccess host = FileHostAccess.onTree(tree);
            if (blocking.isPresent()) {
                killedMidway++;
                List<JournalRecord> rs = Journal.read(blocking.get());
                outcomes.add(rs.stream().filter(r -> r.type().equals("step")).count() + " steps");
                Rollback.Result r = Rollback.run(blocking.get(), host);
                assertThat(r.failures()).as("trial %d", trial).isEmpty();
                assertThat(store.blocking()).isEmpty();
            } else if (store.latest().isPresent()) {
                outcomes.add("finished");
                Rollback.run(store.latest().get(), host);
            } else {
                outcomes.add("before the journal");
            }
            assertThat(TreeManifest.diff(before, TreeManifest.of(tree))).as("trial %d (%s)", trial, outcomes.get(trial)).isEmpty();
        }
        System.out.println("crash trials: " + outcomes);
        assertThat(killedMidway).as("kills that landed inside the transaction: %s", outcomes).isGreaterThanOrEqualTo(TRIALS / 2);
    }
}
