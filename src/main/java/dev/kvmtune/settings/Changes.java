package dev.kvmtune.settings;

import dev.kvmtune.settings.change.Change;
import java.util.List;

/**
 * What applying one setting means on one host: the runtime changes that make it true now, or why
 * there are none (a reboot, a kernel build, a VM not running).
 *
 * @param setting {@code kind key} of the plan setting, or the file for persistent ones
 * @param reboot  takes effect only after a reboot (or module reload)
 * @param note    why there is nothing to change now, or what else to do
 */
public record Changes(String setting, String title, List<Change> changes, boolean reboot, String note) {
    public Changes {
        changes = List.copyOf(changes);
    }

    /** Nothing to change now, and why. */
    static Changes none(Desired d, boolean reboot, String note) {
        return new Changes(d.label(), d.title(), List.of(), reboot, note);
    }

    static Changes of(Desired d, List<Change> changes, String note) {
        return new Changes(d.label(), d.title(), changes, false, note);
    }
}
