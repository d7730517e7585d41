package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which host a journal belongs to: the root it changed ("/" for the live host, else the tree's real
 * path), the host name and /etc/machine-id of that root. Rollback undoes a journal only onto the
 * same root and machine: a journal copied or pointed at another root would otherwise write its old
 * values and delete files there, while the host it was written for stays applied.
 *
 * @param machineId the root's etc/machine-id, or null where the root has none (a bare tree)
 */
public record JournalIdentity(String root, String host, String machineId) {

    /** The identity of the host apply or rollback works on. */
    public static JournalIdentity of(HostAccess h) {
        String root = h.live() ? "/" : h.root() instanceof DirectoryRoot d ? d.realBase().toString() : h.root().describe();
        String host = h.root().read("proc/sys/kernel/hostname").map(String::strip).filter(s -> !s.isEmpty()).orElse("unknown");
        String machine = h.root().read("etc/machine-id").map(String::strip).filter(s -> s.matches("[0-9a-f]{32}")).orElse(null);
        return new JournalIdentity(root, host, machine);
    }

    /** The begin record of a journal written by this identity. */
    public JournalRecord.Begin begin(String plan, String planHash, String time, int steps) {
        return new JournalRecord.Begin(Journal.VERSION, plan, planHash, host, root, time, steps, machineId);
    }

    /**
     * The journal's begin record, checked to be a kvmtune journal of a version this build reads and
     * written for this identity; anything else is refused before the file is touched.
     *
     * @param retry the command that rolls the journal back on the root it was written for, given that root
     */
    public JournalRecord.Begin check(Path file, List<JournalRecord> records, java.util.function.Function<String, String> retry) {
        JournalRecord.Begin begin = Journal.started(records) ? (JournalRecord.Begin) records.get(0) : null;
        if (begin == null || begin.version() == null) {
            throw new BadInputException(file + ": not a kvmtune apply journal (its first line is not a begin record); nothing was changed");
        }
        if (begin.version() > Journal.VERSION) {
            throw new BadInputException(file + ": journal version " + begin.version() + " is newer than this kvmtune reads (" + Journal.VERSION
                    + "); roll it back with the kvmtune that wrote it");
        }
        String root = Optional.ofNullable(begin.root()).orElse("?");
        boolean sameRoot = root.equals(this.root);
        boolean sameMachine = begin.machineId() == null || machineId == null ? Objects.equals(begin.host(), host)
                : begin.machineId().equals(machineId);
        if (!sameRoot || !sameMachine) {
            String where = "root " + root + " (host " + begin.host() + (begin.machineId() == null ? "" : ", machine-id " + begin.machineId()) + ")";
            String here = "root " + this.root + " (host " + host + (machineId == null ? "" : ", machine-id " + machineId) + ")";
            String undo = sameRoot || root.equals("?") ? null : retry.apply(root);
            throw new BadInputException(file + ": written for " + where + ", not for " + here + "; nothing was changed"
                    + (undo == null ? "" : ". To undo it where it was applied: " + undo));
        }
        return begin;
    }
}
