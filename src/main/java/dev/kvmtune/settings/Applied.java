package dev.kvmtune.settings;

import java.io.IOException;

/** A setting kind apply can make true: the same class that audits it says how to change it. */
public interface Applied {
    /** The changes that make this value true now, or why there are none. */
    Changes changes(Desired d, ApplyContext c) throws IOException;

    /**
     * For a kernel command line parameter: the {@code name[=value]} that goes to the boot loader
     * with the others (one edit for all of them); null for every other kind.
     */
    default String bootParameter(Desired d) {
        return null;
    }
}
