package dev.kvmtune.apply;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One line of an apply journal (docs/apply-journal.md). {@code type} says which fields are set:
 * <ul>
 * <li>{@code begin}: version, plan, planHash, host, root, machineId, time, steps (changes planned); the
 *     first line, and what ties the journal to its host ({@link JournalIdentity})</li>
 * <li>{@code step}: n, action, setting, target and what undoing it needs, written and fsynced
 *     before the change is made</li>
 * <li>{@code done} n (read back and verified), {@code skip} n with reason (nothing changed: an
 *     IRQ the kernel keeps, a thread that exited), {@code fail} n with errno and message</li>
 * <li>{@code undone} n, or {@code undo-failed} n with message and the manual fix</li>
 * <li>{@code end}: status applied, rolled-back or rollback-incomplete; the last end counts</li>
 * </ul>
 *
 * @param action value (a kernel file), file (an installed file), mkdir, thread, command
 * @param before value: the file's former content; file: the former content in base64;
 *               thread: the former {@link SchedState}
 * @param restore value: what to write to the live kernel to put it back
 * @param compare value: how its content compares (PLAIN, SELECTION, CPUMASK, CPULIST)
 * @param existed file: whether it existed before
 * @param undo   command: the command that undoes it, as argv joined by NUL characters
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "n", "action", "setting", "target"})
public record JournalRecord(String type, Integer n, String action, String setting, String target, String desired, String before,
                            String restore, String compare, Boolean existed, Integer mode, Integer pid, Integer tid, String undo, Boolean undoLast,
                            String errno, String message, String reason, String status, Integer version, String plan, String planHash,
                            String host, String root, String time, Integer steps, String machineId) {

    static JournalRecord begin(String plan, String planHash, JournalIdentity id, String time, int steps) {
        return new JournalRecord("begin", null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, Journal.VERSION, plan, planHash, id.host(), id.root(), time, steps, id.machineId());
    }

    static JournalRecord mark(String type, int n, String errno, String message) {
        return new JournalRecord(type, n, null, null, null, null, null, null, null, null, null, null, null, null, null,
                errno, type.equals("skip") ? null : message, type.equals("skip") ? message : null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord end(String status) {
        return new JournalRecord("end", null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                status, null, null, null, null, null, null, null, null);
    }

    static JournalRecord value(int n, String setting, String path, String desired, String before, String restore, String compare) {
        return new JournalRecord("step", n, "value", setting, path, desired, before, restore, compare, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord file(int n, String setting, String path, String beforeBase64, boolean existed, Integer mode) {
        return new JournalRecord("step", n, "file", setting, path, null, beforeBase64, null, null, existed, mode, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord mkdir(int n, String setting, String path) {
        return new JournalRecord("step", n, "mkdir", setting, path, null, null, null, null, false, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord thread(int n, String setting, String name, int pid, int tid, String desired, String before) {
        return new JournalRecord("step", n, "thread", setting, name, desired, before, null, null, null, null, pid, tid, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord command(int n, String setting, String command, String before, String undo, boolean undoLast) {
        return new JournalRecord("step", n, "command", setting, command, null, before, null, null, null, null, null, null, undo, undoLast,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static JournalRecord undoFailed(int n, String errno, String message, String manual) {
        return new JournalRecord("undo-failed", n, null, null, null, null, null, null, null, null, null, null, null, null,
                null, errno, message, manual, null, null, null, null, null, null, null, null, null);
    }
}
