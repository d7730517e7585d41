package dev.kvmtune.settings.change;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One line of an apply journal (docs/apply-journal.md), a type per kind of line:
 * <ul>
 * <li>{@link Begin}: the first line, and what ties the journal to its host (apply's JournalIdentity)</li>
 * <li>a {@link Step} per change, written and fsynced before the change is made, holding what undoing
 *     it needs; each kind of step undoes itself ({@link Step#undo}) and says the fix by hand</li>
 * <li>{@link Mark}: done (read back and verified), skip with reason (nothing changed: an IRQ the
 *     kernel keeps, a thread that exited), fail with errno and message, undone</li>
 * <li>{@link UndoFailed}: a step rollback could not undo, with the manual fix</li>
 * <li>{@link End}: applied, rolled-back or rollback-incomplete; the last end counts</li>
 * </ul>
 * The JSON of each line is what the single record of earlier versions wrote: {@code type} first,
 * then {@code n}, {@code action}, {@code setting}, {@code target} and the fields of that kind.
 */
public sealed interface JournalRecord {

    /** begin, step, done, skip, fail, undone, undo-failed, end. */
    String type();

    /** The step a line is about; null for begin and end. */
    Integer n();

    /** The journal's first line. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type"})
    record Begin(Integer version, String plan, String planHash, String host, String root, String time, Integer steps, String machineId)
            implements JournalRecord {
        @Override
        @JsonProperty("type")
        public String type() {
            return "begin";
        }

        @Override
        @JsonIgnore
        public Integer n() {
            return null;
        }
    }

    /** What happened to step {@code n}: done, skip (with reason), fail (errno, message), undone. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n"})
    record Mark(String type, Integer n, String errno, String message, String reason) implements JournalRecord {
        public static Mark done(int n) {
            return new Mark("done", n, null, null, null);
        }

        public static Mark skip(int n, String reason) {
            return new Mark("skip", n, null, null, reason);
        }

        public static Mark fail(int n, String errno, String message) {
            return new Mark("fail", n, errno, message, null);
        }

        public static Mark undone(int n) {
            return new Mark("undone", n, null, null, null);
        }

        /** The step is finished for rollback: undone already, or skipped (nothing was changed). */
        public boolean settles() {
            return type.equals("undone") || type.equals("skip");
        }
    }

    /** A step rollback could not undo; {@code reason} is the fix by hand. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n"})
    record UndoFailed(Integer n, String errno, String message, String reason) implements JournalRecord {
        @Override
        @JsonProperty("type")
        public String type() {
            return "undo-failed";
        }
    }

    /** Where an apply and its journal stand; in JSON and text by the names journals have always used. */
    enum Status {
        /** Nothing to change: no journal was written. */
        UNCHANGED("unchanged"),
        APPLIED("applied"),
        ROLLED_BACK("rolled-back"),
        /** A rollback left steps to undo by hand; blocks a new apply. */
        ROLLBACK_INCOMPLETE("rollback-incomplete"),
        /** No end record: an apply that crashed; blocks a new apply. */
        UNFINISHED("unfinished");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String toString() {
            return text;
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Status of(String text) {
            for (Status s : values()) if (s.text.equals(text)) return s;
            throw new IllegalArgumentException("unknown journal status '" + text + "'");
        }

        /** A journal in this state blocks a new apply until it is rolled back. */
        public boolean blocks() {
            return this == UNFINISHED || this == ROLLBACK_INCOMPLETE;
        }
    }

    /** The outcome: applied, rolled-back, rollback-incomplete. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type"})
    record End(Status status) implements JournalRecord {
        @Override
        @JsonProperty("type")
        public String type() {
            return "end";
        }

        @Override
        @JsonIgnore
        public Integer n() {
            return null;
        }
    }

    /** A change about to be made, with what undoing it needs. Undoing works from the record alone. */
    sealed interface Step extends JournalRecord {
        @Override
        @JsonProperty("type")
        default String type() {
            return "step";
        }

        /** value, file, mkdir, thread, command, define. */
        @JsonProperty("action")
        String action();

        String setting();

        String target();

        /** Undone after every other step (the boot-menu regeneration, once the files it reads are back). */
        @JsonIgnore
        default boolean last() {
            return false;
        }

        /** Puts the original back and reads it back; a note when something was left as found. */
        String undo(HostAccess h) throws IOException;

        /** What to do by hand when {@link #undo} fails. */
        String manual();
    }

    /**
     * A value written to a kernel file.
     *
     * @param before  the file's content before
     * @param restore what to write to the live kernel to put it back
     * @param compare how its content compares ({@link Change.Compare})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record ValueStep(Integer n, String setting, String target, String desired, String before, String restore, String compare) implements Step {
        @Override
        public String action() {
            return "value";
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            byte[] was = before.getBytes(StandardCharsets.UTF_8);
            // In a tree a value is written through a temporary file that a crash can leave behind.
            if (!h.live()) h.delete(HostAccess.tempFor(target));
            if (!h.exists(target)) return "/" + target + " no longer exists (its module, device or cgroup went away); nothing to restore";
            byte[] now = h.readBytes(target);
            if (h.live()) {
                if (shownEqual(now)) return null;
                h.restoreValue(target, restore, was);
                if (!shownEqual(h.readBytes(target))) {
                    throw new IOException(target + " reads back '" + Change.text(h.readBytes(target)).strip() + "' after restoring '" + restore + "'");
                }
            } else {
                if (Arrays.equals(now, was)) return null;
                h.restoreValue(target, restore, was);
                if (!Arrays.equals(h.readBytes(target), was)) throw new IOException(target + " does not read back as before");
            }
            return null;
        }

        private boolean shownEqual(byte[] now) {
            Change.Compare c = compare == null ? Change.Compare.PLAIN : Change.Compare.valueOf(compare);
            return c.same(Change.text(now), restore);
        }

        @Override
        public String manual() {
            return "echo '" + restore + "' > /" + target;
        }
    }

    /**
     * A file installed.
     *
     * @param before  the former content in base64, when it existed
     * @param existed whether it existed before
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record FileStep(Integer n, String setting, String target, String before, Boolean existed, Integer mode) implements Step {
        @Override
        public String action() {
            return "file";
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            h.delete(HostAccess.tempFor(target));
            if (Boolean.TRUE.equals(existed)) {
                byte[] was = Base64.getDecoder().decode(before);
                boolean same = h.exists(target) && Arrays.equals(h.readBytes(target), was) && h.mode(target) == mode;
                if (!same) h.install(target, was, mode);
                if (!Arrays.equals(h.readBytes(target), was)) throw new IOException(target + " does not read back as before");
            } else {
                h.delete(target);
                if (h.exists(target)) throw new IOException(target + " is still there after deleting it");
            }
            return null;
        }

        @Override
        public String manual() {
            return Boolean.TRUE.equals(existed) ? "restore /" + target + " (its former content is in the journal, base64, step " + n + ")"
                    : "rm /" + target;
        }
    }

    /** A directory created for a file; removed again when it is empty. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record MkdirStep(Integer n, String setting, String target) implements Step {
        @Override
        public String action() {
            return "mkdir";
        }

        /** It did not exist: apply made it. */
        @JsonProperty("existed")
        public Boolean existed() {
            return false;
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            return h.rmdirIfEmpty(target) ? null : target + " was created by apply and now holds other files; it is kept";
        }

        @Override
        public String manual() {
            return "rmdir /" + target;
        }
    }

    /** A thread's scheduling; {@code before} is its former {@link SchedState}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record ThreadStep(Integer n, String setting, String target, String desired, String before, Integer pid, Integer tid) implements Step {
        @Override
        public String action() {
            return "thread";
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            SchedState was = SchedState.parse(before);
            try {
                // Always set: in a tree a crash can leave part of a thread's files restored and part not.
                h.threads().set(pid, tid, was);
                SchedState now = h.threads().get(pid, tid);
                if (!now.equals(was)) throw new IOException(target + " is " + now + " after restoring " + was);
            } catch (ThreadScheduler.ThreadGoneException e) {
                return target + " has exited; nothing to restore";
            }
            return null;
        }

        @Override
        public String manual() {
            SchedState b = SchedState.parse(before);
            String flag = switch (b.policy()) {
                case FIFO -> "-f";
                case RR -> "-r";
                case BATCH -> "-b";
                case IDLE -> "-i";
                default -> "-o";
            };
            return "taskset -pc " + b.cpus().toList() + " " + tid + "; chrt " + flag + " -p " + b.priority() + " " + tid;
        }
    }

    /**
     * A command run on the live host.
     *
     * @param undo     the commands that undo it, each as argv joined by NUL characters, one per line
     * @param undoLast undone after everything else
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record CommandStep(Integer n, String setting, String target, String before, String undo, Boolean undoLast) implements Step {
        @Override
        public String action() {
            return "command";
        }

        @Override
        public boolean last() {
            return Boolean.TRUE.equals(undoLast);
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            for (String cmd : undo.split("\n")) {
                if (cmd.isEmpty()) continue;
                List<String> argv = List.of(cmd.split("\0"));
                int rc = h.run(argv);
                if (rc != 0) throw new IOException(String.join(" ", argv) + " exited with " + rc);
            }
            return null;
        }

        @Override
        public String manual() {
            return "run: " + undo.replace('\0', ' ').replace("\n", "; ");
        }
    }

    /**
     * A libvirt domain's definition replaced by {@code virsh define} (what takes effect at its next
     * start); undone by defining the XML it had.
     *
     * @param before the definition before, base64 of {@code virsh dumpxml --inactive --security-info}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "n", "action", "setting", "target"})
    record DefineStep(Integer n, String setting, String target, String uri, String domain, String before) implements Step {
        @Override
        public String action() {
            return "define";
        }

        @Override
        public String undo(HostAccess h) throws IOException {
            Change.Define.define(h, uri, domain, new String(Base64.getDecoder().decode(before), StandardCharsets.UTF_8));
            return null;
        }

        @Override
        public String manual() {
            return "define domain " + domain + " from the XML this journal keeps in step " + n + " ('before', base64): jq -r 'select(.n == " + n
                    + " and .type == \"step\") | .before' JOURNAL | base64 -d > " + domain + ".xml && virsh -c " + uri + " define " + domain + ".xml";
        }
    }

    /** The record type of each line type, and of each step action. */
    Map<String, Class<? extends JournalRecord>> TYPES = Map.of("begin", Begin.class, "done", Mark.class, "skip", Mark.class, "fail", Mark.class,
            "undone", Mark.class, "undo-failed", UndoFailed.class, "end", End.class);
    Map<String, Class<? extends Step>> ACTIONS = Map.of("value", ValueStep.class, "file", FileStep.class, "mkdir", MkdirStep.class,
            "thread", ThreadStep.class, "command", CommandStep.class, "define", DefineStep.class);

    /**
     * One parsed line as its record; an unknown type or action is refused with what was found.
     *
     * @throws IllegalArgumentException for a line of no known type
     */
    static JournalRecord decode(JsonNode line, ObjectMapper json) throws JsonProcessingException {
        String type = line.path("type").asText(null);
        if (type == null) throw new IllegalArgumentException("journal record without a type");
        Class<? extends JournalRecord> c = type.equals("step") ? ACTIONS.get(line.path("action").asText("")) : TYPES.get(type);
        if (c == null) {
            throw new IllegalArgumentException(type.equals("step") ? "step of unknown action '" + line.path("action").asText("") + "'"
                    : "record of unknown type '" + type + "'");
        }
        return json.treeToValue(line, c);
    }
}
