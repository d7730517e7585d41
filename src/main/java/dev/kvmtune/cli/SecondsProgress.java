package dev.kvmtune.cli;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/** "  12/60 s" on stderr while a timed run goes: rewritten in place on a terminal, every 10 s in a log. */
final class SecondsProgress implements LongConsumer {
    private final PrintWriter err;
    private final long total;
    private final boolean tty = System.console() != null;

    SecondsProgress(PrintWriter err, long totalSeconds) {
        this.err = err;
        this.total = totalSeconds;
    }

    @Override
    public void accept(long s) {
        if (tty) err.printf("\r  %d/%d s", s, total);
        else if (s % 10 == 0 && s > 0) err.printf("  %d/%d s%n", s, total);
        err.flush();
    }

    /** Ends the in-place line on a terminal. */
    void done() {
        if (tty) err.println();
    }
}
