package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.apply.Journal;
import dev.kvmtune.apply.JournalIdentity;
import dev.kvmtune.apply.JournalStore;
import dev.kvmtune.apply.Rollback;
import dev.kvmtune.settings.change.JournalRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune rollback}: undoes an apply from its journal. */
@Command(name = "rollback", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Undo an apply from its journal: every change it made, newest first, each read back.",
            "Without JOURNAL: the unfinished one (an apply that crashed or was killed), else the newest.",
            "Running it again is harmless: a journal already rolled back has nothing left to undo.",
            "",
            "Examples:",
            "  sudo kvmtune rollback",
            "  sudo kvmtune rollback /var/lib/kvmtune/apply-20261122T101500Z-3f2a9c1e.jsonl",
            "  kvmtune rollback --root /tmp/tree --journal-dir /tmp/journals"})
public final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOURNAL", description = "The journal to undo.")
    Path journal;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Where journals are (default: /var/lib/kvmtune of the root).")
    Path journalDir;

    @Override
    public Integer call() throws IOException {
        ApplyCommand.ApplyTarget target = ApplyCommand.ApplyTarget.open(parent, journalDir);
        JournalStore store = new JournalStore(target.journalDir());
        Path file = journal;
        if (file == null) {
            // The unfinished one first: it blocks every apply until it is finished.
            var pick = store.blocking();
            if (pick.isEmpty()) pick = store.latest();
            file = pick.orElseThrow(() -> new BadInputException(store.dir() + ": no apply journal to roll back"));
        } else if (!Files.exists(file)) {
            throw new BadInputException(file + ": no such journal");
        } else if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": not a regular file, so not a kvmtune apply journal");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<JournalRecord> records = Journal.read(file);
        Path named = file;
        JournalIdentity.of(target.host()).check(file, records, root -> target.hint().onRoot(root).command("rollback", named.toString()));
        JournalRecord.Status status = Journal.status(records);
        if (status == JournalRecord.Status.ROLLED_BACK) {
            if (parent.format == OutputFormat.json) out.print(Json.write(new ApplyText.RollbackJson(file.toString(), status.toString(), status.toString(), 0, java.util.List.of(), java.util.List.of())));
            else out.println(file + ": already rolled back; nothing to undo.");
            out.flush();
            return ExitCodes.OK;
        }
        target.requireWritable();
        Rollback.Result r;
        try (JournalStore.Lock lock = store.lock()) {
            r = Rollback.run(file, target.host());
        }
        Formatted.print(out, parent.format, () -> ApplyText.rollbackJson(r), () -> ApplyText.rollback(r, target.hint()));
        out.flush();
        return r.complete() ? ExitCodes.OK : ExitCodes.ROLLBACK_INCOMPLETE;
    }
}
