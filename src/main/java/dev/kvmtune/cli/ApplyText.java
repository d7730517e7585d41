package dev.kvmtune.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.apply.Applier;
import dev.kvmtune.apply.ChangeSet;
import dev.kvmtune.apply.Journal;
import dev.kvmtune.apply.JournalStore;
import dev.kvmtune.apply.Rollback;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.settings.Changes;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.JournalRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text and JSON for apply, its dry run, --status and rollback (docs/apply.md). */
final class ApplyText {
    private ApplyText() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChangeJson(String target, String current, String desired, String outcome, String detail) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ItemJson(String setting, String title, boolean reboot, String note, List<ChangeJson> changes) {
    }

    record Summary(long change, long unchanged, long skipped, long failed, long reboot) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ApplyJson(String mode, String plan, String profile, String root, String journalDir, String status, String journal,
                     Summary summary, List<ItemJson> items, Applier.Failure failure, RollbackJson rollback, List<String> notes) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RollbackJson(String journal, String statusBefore, String status, int undone, List<Rollback.Failure> failures, List<String> notes) {
    }

    private static Map<Change, Applier.StepResult> byChange(List<Applier.StepResult> steps) {
        Map<Change, Applier.StepResult> m = new IdentityHashMap<>();
        for (var s : steps) m.put(s.change(), s);
        return m;
    }

    /** The outcome word; changes undone by a rollback after a failure say so. */
    private static String outcome(Applier.StepResult r, Applier.Result result, boolean dry) {
        if (r == null) return "not-reached";
        if (dry) {
            return switch (r.outcome()) {
                case CHANGED -> "change";
                case UNCHANGED -> "ok";
                case SKIPPED -> "skip";
                case FAILED -> "error";
            };
        }
        if (r.outcome() == Applier.Outcome.CHANGED && result != null && result.failure() != null) return "undone";
        return r.outcome().name().toLowerCase(Locale.ROOT);
    }

    static ApplyJson json(String mode, Path planFile, Plan plan, ChangeSet set, List<Applier.StepResult> steps, Applier.Result result,
                          ApplyCommand.ApplyTarget target) {
        boolean dry = result == null;
        Map<Change, Applier.StepResult> by = byChange(steps);
        List<ItemJson> items = new ArrayList<>();
        for (Changes item : set.items()) {
            List<ChangeJson> cs = new ArrayList<>();
            for (Change c : item.changes()) {
                var r = by.get(c);
                cs.add(new ChangeJson(c.target(), r == null ? null : r.before(), c.desired(), outcome(r, result, dry), r == null ? null : r.detail()));
            }
            items.add(new ItemJson(item.setting(), item.title(), item.reboot(), item.note(), cs));
        }
        RollbackJson rb = result == null || result.rollback() == null ? null : rollbackJson(result.rollback());
        return new ApplyJson(mode, planFile.toString(), plan.profile(), target.host().root().describe(), target.journalDir().toString(),
                dry ? "dry-run" : result.status().toString(), result == null || result.journal() == null ? null : result.journal().toString(),
                summary(set, steps), items, result == null ? null : result.failure(), rb, set.notes());
    }

    private static Summary summary(ChangeSet set, List<Applier.StepResult> steps) {
        long change = steps.stream().filter(s -> s.outcome() == Applier.Outcome.CHANGED).count();
        long same = steps.stream().filter(s -> s.outcome() == Applier.Outcome.UNCHANGED).count();
        long skip = steps.stream().filter(s -> s.outcome() == Applier.Outcome.SKIPPED).count();
        long failed = steps.stream().filter(s -> s.outcome() == Applier.Outcome.FAILED).count();
        long reboot = set.items().stream().filter(Changes::reboot).count();
        return new Summary(change, same, skip, failed, reboot);
    }

    private static void lines(StringBuilder sb, ChangeSet set, List<Applier.StepResult> steps, Applier.Result result, boolean dry) {
        Map<Change, Applier.StepResult> by = byChange(steps);
        for (Changes item : set.items()) {
            if (item.changes().isEmpty()) {
                String tag = item.reboot() ? "reboot" : item.note() == null ? "ok" : "note";
                sb.append(String.format("%-9s %s%s%n", "[" + tag + "]", item.setting(), item.note() == null ? "" : ": " + item.note()));
                continue;
            }
            boolean many = item.changes().size() > 1;
            if (many) {
                sb.append(String.format("%-9s %s (%d)%s%n", "", item.setting(), item.changes().size(), item.note() == null ? "" : ": " + item.note()));
            }
            for (Change c : item.changes()) {
                var r = by.get(c);
                String what = r == null || r.before() == null ? c.desired() : r.before().replace("\n", " ") + " -> " + c.desired();
                if (r != null && r.outcome() == Applier.Outcome.UNCHANGED) what = r.before();
                String detail = r != null && r.detail() != null && !r.detail().isEmpty() ? "  (" + r.detail() + ")" : "";
                sb.append(String.format("%-9s %s%s  %s%s%n", "[" + outcome(r, result, dry) + "]", many ? "  " : item.setting() + ": ",
                        display(c), what, detail));
            }
            if (!many && item.note() != null) sb.append(String.format("%-9s   %s%n", "", item.note()));
        }
    }

    private static String display(Change c) {
        return c instanceof Change.Thread || c instanceof Change.Command || c instanceof Change.Define ? c.target() : "/" + c.target();
    }

    /** @param applyHint the command that applies what the dry run shows */
    static String dryRun(Path planFile, Plan plan, ChangeSet set, List<Applier.StepResult> steps, ApplyCommand.ApplyTarget target, String applyHint) {
        StringBuilder sb = new StringBuilder();
        sb.append("Dry run of ").append(planFile).append(" (profile ").append(plan.profile()).append(") on ")
                .append(target.host().root().describe()).append(": nothing is changed.\n\n");
        lines(sb, set, steps, null, true);
        Summary s = summary(set, steps);
        sb.append('\n').append(s.change()).append(" to change, ").append(s.unchanged()).append(" already as planned, ")
                .append(s.skipped()).append(" the kernel keeps as they are, ").append(s.failed()).append(" unreadable; ")
                .append(s.reboot()).append(" settings take effect after a reboot or module reload.\n");
        for (String n : set.notes()) sb.append("Note: ").append(n).append('\n');
        sb.append(s.change() > 0 ? "Apply with: " + applyHint + "\n" : "Nothing to change.\n");
        return sb.toString();
    }

    static String applied(Path planFile, Plan plan, ChangeSet set, Applier.Result r, ApplyCommand.ApplyTarget target) {
        StringBuilder sb = new StringBuilder();
        if (r.status() == JournalRecord.Status.UNCHANGED) {
            sb.append("Nothing to change: ").append(target.host().root().describe()).append(" already matches ").append(planFile)
                    .append(" (").append(r.steps().size()).append(" changes checked; no journal written).\n");
            for (Changes item : set.items()) {
                if (item.reboot() && item.changes().isEmpty()) sb.append("[reboot]  ").append(item.setting()).append(": ").append(item.note()).append('\n');
            }
            return sb.toString();
        }
        sb.append("Apply of ").append(planFile).append(" (profile ").append(plan.profile()).append(") on ")
                .append(target.host().root().describe()).append(", journal ").append(r.journal()).append(":\n\n");
        lines(sb, set, r.steps(), r, false);
        sb.append('\n');
        if (r.failure() == null) {
            sb.append("Applied: ").append(r.changed()).append(" changes. Undo with: ").append(target.hint().command("rollback", r.journal().toString())).append('\n');
        } else {
            Applier.Failure f = r.failure();
            sb.append("FAILED at ").append(f.setting()).append(": ").append(f.target()).append(": ")
                    .append(f.errno() == null ? "" : f.errno() + ": ").append(f.message()).append('\n');
            sb.append(rollback(r.rollback(), target.hint()));
        }
        for (String n : set.notes()) sb.append("Note: ").append(n).append('\n');
        return sb.toString();
    }

    static RollbackJson rollbackJson(Rollback.Result r) {
        return new RollbackJson(r.journal().toString(), r.statusBefore().toString(),
                (r.complete() ? JournalRecord.Status.ROLLED_BACK : JournalRecord.Status.ROLLBACK_INCOMPLETE).toString(), r.undone(),
                r.failures(), r.notes());
    }

    static String rollback(Rollback.Result r, CommandHint hint) {
        StringBuilder sb = new StringBuilder();
        if (r.complete()) {
            sb.append("Rolled back ").append(r.journal()).append(": ").append(r.undone()).append(" changes undone, each read back; ")
                    .append("the host is as it was before the apply.\n");
        } else {
            sb.append("Rollback INCOMPLETE for ").append(r.journal()).append(": ").append(r.undone()).append(" undone, ")
                    .append(r.failures().size()).append(" could not be. Fix these by hand, then run ")
                    .append(hint.command("rollback", r.journal().toString())).append(" again:\n");
            for (Rollback.Failure f : r.failures()) {
                sb.append("  step ").append(f.n()).append(" ").append(f.setting()).append(": ").append(f.target()).append(": ")
                        .append(f.errno() == null ? "" : f.errno() + ": ").append(f.message()).append("\n      fix: ").append(f.manual()).append('\n');
            }
        }
        for (String n : r.notes()) sb.append("Note: ").append(n).append('\n');
        return sb.toString();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JournalJson(String journal, String status, String time, String plan, String planHash, String host, String root, int steps,
                       long done, long undone, long skipped, boolean blocking) {
    }

    static List<JournalJson> statusJson(JournalStore store) throws IOException {
        List<JournalJson> out = new ArrayList<>();
        for (Path p : store.journals()) {
            List<JournalRecord> rs = Journal.read(p);
            JournalRecord.Begin begin = rs.stream().filter(r -> r instanceof JournalRecord.Begin).map(r -> (JournalRecord.Begin) r).findFirst().orElse(null);
            JournalRecord.Status st = Journal.status(rs);
            out.add(new JournalJson(p.toString(), st.toString(), begin == null ? null : begin.time(), begin == null ? null : begin.plan(),
                    begin == null ? null : begin.planHash(), begin == null ? null : begin.host(), begin == null ? null : begin.root(),
                    (int) rs.stream().filter(r -> r.type().equals("step")).count(), rs.stream().filter(r -> r.type().equals("done")).count(),
                    rs.stream().filter(r -> r.type().equals("undone")).count(), rs.stream().filter(r -> r.type().equals("skip")).count(),
                    Journal.blocks(st)));
        }
        return out;
    }

    static String status(JournalStore store, CommandHint hint) throws IOException {
        List<JournalJson> all = statusJson(store);
        StringBuilder sb = new StringBuilder();
        if (all.isEmpty()) return "No apply journals in " + store.dir() + ".\n";
        sb.append(String.format("%-22s %-20s %6s %6s %6s  %s%n", "TIME", "STATUS", "STEPS", "DONE", "UNDONE", "JOURNAL"));
        for (JournalJson j : all) {
            sb.append(String.format("%-22s %-20s %6d %6d %6d  %s%n", j.time() == null ? "?" : j.time().replaceFirst("\\.\\d+Z$", "Z"), j.status(),
                    j.steps(), j.done(), j.undone(), j.journal()));
        }
        all.stream().filter(JournalJson::blocking).reduce((a, b) -> b).ifPresent(j ->
                sb.append("\n").append(j.journal()).append(" is ").append(j.status()).append(" and blocks a new apply: run ").append(hint.command("rollback", j.journal())).append('\n'));
        return sb.toString();
    }
}
