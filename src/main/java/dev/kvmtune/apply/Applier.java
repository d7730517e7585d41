package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.Errno;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies changes as one transaction. For each change: read the current state and skip it when
 * it matches; write the original to the journal and force it to disk; make the change; read it
 * back. The first failure that is not a tolerated one rolls back everything done so far, newest
 * first, through {@link Rollback} (the same code that finishes a crashed apply).
 */
public final class Applier {

    public enum Outcome { UNCHANGED, CHANGED, SKIPPED, FAILED }

    /** What happened to one change; {@code before} is the state it was found in. */
    public record StepResult(Change change, Outcome outcome, String before, String detail) {
    }

    /** The failure that stopped an apply. */
    public record Failure(String setting, String target, String errno, String message) {
    }

    /**
     * @param status   unchanged (nothing to do, no journal), applied, rolled-back (a failure was
     *                 undone), rollback-incomplete
     * @param rollback what the rollback after a failure did, or null
     */
    public record Result(JournalRecord.Status status, List<StepResult> steps, Path journal, Failure failure, Rollback.Result rollback) {
        public long changed() {
            return steps.stream().filter(s -> s.outcome() == Outcome.CHANGED).count();
        }
    }

    /** Where the plan came from, for the journal's first line (the host's identity is read from the host itself). */
    public record PlanInfo(String plan, String planHash) {
    }

    /** Told before each change is made. */
    public interface Progress {
        void before(int index, int total, Change change);
    }

    private Applier() {
    }

    public static Result apply(List<Change> changes, HostAccess h, JournalStore store, PlanInfo info, Progress progress) throws IOException {
        try (JournalStore.Lock lock = store.lock()) {
            var blocking = store.blocking();
            if (blocking.isPresent()) {
                throw new BadInputException(blocking.get() + ": an earlier apply did not finish (status "
                        + Journal.status(Journal.read(blocking.get())) + "); roll it back first");
            }
            List<StepResult> results = new ArrayList<>();
            List<Change> todo = new ArrayList<>();
            for (Change c : changes) {
                Change.Status st = statusOrNull(c, h);
                if (st != null && st.matches()) results.add(new StepResult(c, Outcome.UNCHANGED, st.current(), null));
                else todo.add(c);
            }
            if (todo.isEmpty()) return new Result(JournalRecord.Status.UNCHANGED, results, null, null, null);
            Journal journal = store.create(Instant.now(), info.planHash());
            try (journal) {
                journal.write(JournalIdentity.of(h).begin(info.plan(), info.planHash(), Instant.now().toString(), todo.size()));
                int n = 0;
                List<JournalRecord.Step> written = new ArrayList<>();
                for (Change c : todo) {
                    n++;
                    if (progress != null) progress.before(n, todo.size(), c);
                    String before = null;
                    try {
                        Change.Status st = c.status(h);
                        before = st.current();
                        if (st.matches()) {
                            results.add(new StepResult(c, Outcome.UNCHANGED, before, null));
                            continue;
                        }
                        JournalRecord.Step step = c.prepare(h, n);
                        journal.write(step);
                        written.add(step);
                        c.apply(h);
                        c.verify(h);
                        journal.write(JournalRecord.Mark.done(n));
                        results.add(new StepResult(c, Outcome.CHANGED, before, null));
                    } catch (IOException | RuntimeException e) {
                        String reason = e instanceof IOException io ? c.tolerated(io) : null;
                        JournalRecord.Step started = written.isEmpty() ? null : written.get(written.size() - 1);
                        if (reason != null && started != null && started.n() == n) {
                            // Put back whatever part of it was done before the failure, then record it as skipped.
                            try {
                                started.undo(h);
                            } catch (IOException | RuntimeException undo) {
                                reason = null;
                            }
                        }
                        if (reason != null) {
                            journal.write(JournalRecord.Mark.skip(n, reason));
                            results.add(new StepResult(c, Outcome.SKIPPED, before, reason));
                            continue;
                        }
                        String errno = e instanceof IOException io ? Errno.of(io) : null;
                        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                        journal.write(JournalRecord.Mark.fail(n, errno, msg));
                        results.add(new StepResult(c, Outcome.FAILED, before, msg));
                        Rollback.Result rb = Rollback.undo(journal.file(), Journal.read(journal.file()), JournalRecord.Status.UNFINISHED, journal, h);
                        return new Result(rb.complete() ? JournalRecord.Status.ROLLED_BACK : JournalRecord.Status.ROLLBACK_INCOMPLETE, results, journal.file(),
                                new Failure(c.setting(), c.target(), errno, msg), rb);
                    }
                }
                journal.write(new JournalRecord.End(JournalRecord.Status.APPLIED));
                return new Result(JournalRecord.Status.APPLIED, results, journal.file(), null, null);
            }
        }
    }

    private static Change.Status statusOrNull(Change c, HostAccess h) {
        try {
            return c.status(h);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Current → desired for each change, touching nothing: the dry run. */
    public static List<StepResult> dryRun(List<Change> changes, HostAccess h) {
        List<StepResult> out = new ArrayList<>();
        for (Change c : changes) {
            try {
                Change.Status st = c.status(h);
                out.add(new StepResult(c, st.matches() ? Outcome.UNCHANGED : Outcome.CHANGED, st.current(), null));
            } catch (IOException e) {
                String t = c.tolerated(e);
                out.add(new StepResult(c, t != null ? Outcome.SKIPPED : Outcome.FAILED, null,
                        t != null ? t : (Errno.of(e) == null ? "" : Errno.of(e) + ": ") + e.getMessage()));
            }
        }
        return out;
    }
}
