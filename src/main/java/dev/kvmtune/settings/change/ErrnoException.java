package dev.kvmtune.settings.change;

import java.io.IOException;

/** A system call failed with this errno; the message names the call's target. */
public final class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String what, int errno, String strerror) {
        super(what + ": " + Errno.name(errno) + " (" + strerror + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
