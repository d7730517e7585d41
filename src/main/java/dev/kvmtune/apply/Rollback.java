package dev.kvmtune.apply;

import dev.kvmtune.settings.change.Errno;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Undoes a journal: every step that was started (its record is there) and not yet undone nor
 * skipped, newest first, each read back. It works from the journal alone and is idempotent:
 * undoing a step that never got written finds the original already in place, and a second
 * rollback finds nothing left to do.
 */
public final class Rollback {

    /** What a rollback did: steps undone, and the ones that failed with what to do by hand. */
    public record Result(Path journal, JournalRecord.Status statusBefore, int undone, List<Failure> failures, List<String> notes) {
        public boolean complete() {
            return failures.isEmpty();
        }
    }

    /** A step that could not be undone: errno (if any), the error, and the fix by hand. */
    public record Failure(int n, String setting, String target, String errno, String message, String manual) {
    }

    private Rollback() {
    }

    /**
     * Rolls back one journal file, appending undone / undo-failed records and an end record. A file
     * that is not a kvmtune journal, or one written for another root or machine, is refused
     * ({@link JournalIdentity#check}) before anything is written, to the host or to the file.
     */
    public static Result run(Path file, HostAccess h) throws IOException {
        List<JournalRecord> records = Journal.read(file);
        JournalIdentity.of(h).check(file, records, root -> null);
        JournalRecord.Status status = Journal.status(records);
        try (Journal journal = Journal.append(file)) {
            return undo(file, records, status, journal, h);
        }
    }

    /** Undoes the steps of these records through the open journal (also used by apply after a failure). */
    static Result undo(Path file, List<JournalRecord> records, JournalRecord.Status statusBefore, Journal journal, HostAccess h) throws IOException {
        Map<Integer, JournalRecord.Step> steps = new LinkedHashMap<>();
        Set<Integer> finished = new LinkedHashSet<>();
        for (JournalRecord r : records) {
            if (r instanceof JournalRecord.Step s) steps.put(s.n(), s);
            else if (r instanceof JournalRecord.Mark m && m.settles()) finished.add(m.n());
        }
        List<JournalRecord.Step> order = new ArrayList<>(steps.values());
        Collections.reverse(order);
        // Steps undone last (boot-menu regeneration) run after the files they read are back.
        List<JournalRecord.Step> sequence = new ArrayList<>(order.stream().filter(s -> !s.last()).toList());
        sequence.addAll(order.stream().filter(JournalRecord.Step::last).toList());
        List<Failure> failures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int undone = 0;
        for (JournalRecord.Step s : sequence) {
            if (finished.contains(s.n())) continue;
            try {
                String note = s.undo(h);
                if (note != null) notes.add(note);
                journal.write(JournalRecord.Mark.undone(s.n()));
                undone++;
            } catch (IOException | RuntimeException e) {
                String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                String errno = e instanceof IOException io ? Errno.of(io) : null;
                Failure f = new Failure(s.n(), s.setting(), s.target(), errno, msg, s.manual());
                failures.add(f);
                journal.write(new JournalRecord.UndoFailed(s.n(), errno, msg, f.manual()));
            }
        }
        journal.write(new JournalRecord.End(failures.isEmpty() ? JournalRecord.Status.ROLLED_BACK : JournalRecord.Status.ROLLBACK_INCOMPLETE));
        return new Result(file, statusBefore, undone, failures, notes);
    }
}
