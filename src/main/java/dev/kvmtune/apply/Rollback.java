package dev.kvmtune.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
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
    public record Result(Path journal, String statusBefore, int undone, List<Failure> failures, List<String> notes) {
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
        String status = Journal.status(records);
        try (Journal journal = Journal.append(file)) {
            return undo(file, records, status, journal, h);
        }
    }

    /** Undoes the steps of these records through the open journal (also used by apply after a failure). */
    static Result undo(Path file, List<JournalRecord> records, String statusBefore, Journal journal, HostAccess h) throws IOException {
        Map<Integer, JournalRecord> steps = new LinkedHashMap<>();
        Set<Integer> finished = new LinkedHashSet<>();
        for (JournalRecord r : records) {
            switch (r.type()) {
                case "step" -> steps.put(r.n(), r);
                case "undone", "skip" -> finished.add(r.n());
                default -> {
                }
            }
        }
        List<JournalRecord> order = new ArrayList<>(steps.values());
        java.util.Collections.reverse(order);
        // Commands marked undoLast (boot-menu regeneration) run after the files they read are back.
        List<JournalRecord> last = order.stream().filter(r -> Boolean.TRUE.equals(r.undoLast())).toList();
        List<JournalRecord> sequence = new ArrayList<>(order.stream().filter(r -> !Boolean.TRUE.equals(r.undoLast())).toList());
        sequence.addAll(last);
        List<Failure> failures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int undone = 0;
        for (JournalRecord s : sequence) {
            if (finished.contains(s.n())) continue;
            try {
                String note = undoStep(s, h);
                if (note != null) notes.add(note);
                journal.write(JournalRecord.mark("undone", s.n(), null, null));
                undone++;
            } catch (IOException | RuntimeException e) {
                String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                String errno = e instanceof IOException io ? Errno.of(io) : null;
                Failure f = new Failure(s.n(), s.setting(), s.target(), errno, msg, manual(s));
                failures.add(f);
                journal.write(JournalRecord.undoFailed(s.n(), errno, msg, f.manual()));
            }
        }
        journal.write(JournalRecord.end(failures.isEmpty() ? "rolled-back" : "rollback-incomplete"));
        return new Result(file, statusBefore, undone, failures, notes);
    }

    /** Puts one step back and reads it back; a note when something was left as found. */
    static String undoStep(JournalRecord s, HostAccess h) throws IOException {
        switch (s.action()) {
            case "value" -> {
                byte[] before = s.before().getBytes(StandardCharsets.UTF_8);
                // In a tree a value is written through a temporary file that a crash can leave behind.
                if (!h.live()) h.delete(HostAccess.tempFor(s.target()));
                if (!h.exists(s.target())) return "/" + s.target() + " no longer exists (its module or device went away); nothing to restore";
                byte[] now = h.readBytes(s.target());
                if (h.live()) {
                    if (shownEqual(now, s)) return null;
                    h.restoreValue(s.target(), s.restore(), before);
                    if (!shownEqual(h.readBytes(s.target()), s)) {
                        throw new IOException(s.target() + " reads back '" + Change.text(h.readBytes(s.target())).strip() + "' after restoring '" + s.restore() + "'");
                    }
                } else {
                    if (Arrays.equals(now, before)) return null;
                    h.restoreValue(s.target(), s.restore(), before);
                    if (!Arrays.equals(h.readBytes(s.target()), before)) throw new IOException(s.target() + " does not read back as before");
                }
                return null;
            }
            case "file" -> {
                h.delete(HostAccess.tempFor(s.target()));
                if (Boolean.TRUE.equals(s.existed())) {
                    byte[] before = Base64.getDecoder().decode(s.before());
                    boolean same = h.exists(s.target()) && Arrays.equals(h.readBytes(s.target()), before) && h.mode(s.target()) == s.mode();
                    if (!same) h.install(s.target(), before, s.mode());
                    if (!Arrays.equals(h.readBytes(s.target()), before)) throw new IOException(s.target() + " does not read back as before");
                } else {
                    h.delete(s.target());
                    if (h.exists(s.target())) throw new IOException(s.target() + " is still there after deleting it");
                }
                return null;
            }
            case "mkdir" -> {
                return h.rmdirIfEmpty(s.target()) ? null : s.target() + " was created by apply and now holds other files; it is kept";
            }
            case "thread" -> {
                SchedState before = SchedState.parse(s.before());
                try {
                    // Always set: in a tree a crash can leave part of a thread's files restored and part not.
                    h.threads().set(s.pid(), s.tid(), before);
                    SchedState now = h.threads().get(s.pid(), s.tid());
                    if (!now.equals(before)) throw new IOException(s.target() + " is " + now + " after restoring " + before);
                } catch (ThreadScheduler.ThreadGoneException e) {
                    return s.target() + " has exited; nothing to restore";
                }
                return null;
            }
            case "command" -> {
                for (String cmd : s.undo().split("\n")) {
                    if (cmd.isEmpty()) continue;
                    List<String> argv = List.of(cmd.split("\0"));
                    int rc = h.run(argv);
                    if (rc != 0) throw new IOException(String.join(" ", argv) + " exited with " + rc);
                }
                return null;
            }
            default -> throw new IOException("journal step " + s.n() + " has unknown action '" + s.action() + "'");
        }
    }

    private static boolean shownEqual(byte[] now, JournalRecord s) {
        Change.Compare c = s.compare() == null ? Change.Compare.PLAIN : Change.Compare.valueOf(s.compare());
        return c.same(Change.text(now), s.restore());
    }

    /** The fix by hand for a step that could not be undone. */
    static String manual(JournalRecord s) {
        return switch (s.action()) {
            case "value" -> "echo '" + s.restore() + "' > /" + s.target();
            case "file" -> Boolean.TRUE.equals(s.existed())
                    ? "restore /" + s.target() + " (its former content is in the journal, base64, step " + s.n() + ")"
                    : "rm /" + s.target();
            case "mkdir" -> "rmdir /" + s.target();
            case "thread" -> {
                SchedState b = SchedState.parse(s.before());
                yield "taskset -pc " + b.cpus().toList() + " " + s.tid() + "; chrt " + chrtFlag(b) + " -p " + b.priority() + " " + s.tid();
            }
            case "command" -> "run: " + s.undo().replace('\0', ' ').replace("\n", "; ");
            default -> "step " + s.n() + ": see the journal";
        };
    }

    private static String chrtFlag(SchedState b) {
        return switch (b.policy()) {
            case FIFO -> "-f";
            case RR -> "-r";
            case BATCH -> "-b";
            case IDLE -> "-i";
            default -> "-o";
        };
    }
}
