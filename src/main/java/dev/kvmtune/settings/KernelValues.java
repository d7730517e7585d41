package dev.kvmtune.settings;

import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import java.io.IOException;
import java.util.List;

/** A value written to one kernel file, the change sysctl, sysfs and module parameters share. */
final class KernelValues {
    private KernelValues() {
    }

    static Changes one(HostAccess h, Desired d, String path, Change.Compare c, List<String> first) {
        if (!h.exists(path)) return Changes.none(d, false, "/" + path + " does not exist on this kernel; left out");
        return Changes.of(d, List.of(new Change.Value(d.label(), path, d.value(), c, first, false)), null);
    }

    /** A file like {@code always [madvise] never}; one that cannot be read is left for apply to report. */
    static boolean isSelection(HostAccess h, String path) {
        try {
            return h.exists(path) && Change.text(h.readBytes(path)).contains("[");
        } catch (IOException e) {
            return false;
        }
    }
}
