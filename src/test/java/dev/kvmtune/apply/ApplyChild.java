package dev.kvmtune.apply;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlanFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of {@link ApplyCrashTest}: applies a plan to a tree with a pause before each
 * write (so that a kill lands anywhere in the transaction), after printing "ready".
 * Arguments: TREE JOURNAL_DIR PLAN_DIR PAUSE_MS.
 */
public final class ApplyChild {
    private ApplyChild() {
    }

    public static void main(String[] args) throws Exception {
        Path tree = Path.of(args[0]);
        Path planDir = Path.of(args[2]);
        long pause = Long.parseLong(args[3]);
        Plan plan = PlanFile.parse(Files.readString(planDir.resolve("plan.json")), "plan.json");
        FileHostAccess inner = FileHostAccess.onTree(tree);
        ChangeSet set = ChangeSet.of(plan, planDir, inner, new ChangeSet.Options(false, false));
        System.out.println("ready " + set.changes().size());
        System.out.flush();
        Applier.Result r = Applier.apply(set.changes(), new Pausing(tree, pause), new JournalStore(Path.of(args[1])),
                new Applier.PlanInfo("plan.json", "c0ffeec0ffee"), null);
        System.out.println("done " + r.status());
    }

    /** A tree host that sleeps before each write. */
    static final class Pausing extends DelegatingHost {
        private final long pause;

        Pausing(Path tree, long pause) {
            super(FileHostAccess.onTree(tree));
            this.pause = pause;
        }

        @Override
        void beforeWrite(String target, boolean kernelValue) throws IOException {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }
}
