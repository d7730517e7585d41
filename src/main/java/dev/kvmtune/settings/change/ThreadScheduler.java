package dev.kvmtune.settings.change;

import java.io.IOException;

/**
 * Reads and sets a thread's scheduling. The live implementation makes the system calls; the one
 * for a directory root edits the tree's proc files as the kernel would show the change.
 */
public interface ThreadScheduler {

    /** The thread's current state; {@link ThreadGoneException} when it has exited. */
    SchedState get(int pid, int tid) throws IOException;

    /** Sets policy, priority and allowed CPUs. */
    void set(int pid, int tid, SchedState state) throws IOException;

    /** The thread (or process) no longer exists: ESRCH. */
    final class ThreadGoneException extends IOException {
        public ThreadGoneException(int tid) {
            super("thread " + tid + " has exited (ESRCH)");
        }
    }
}
