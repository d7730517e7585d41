package dev.kvmtune.exits;

import dev.kvmtune.exits.ExitReasons.Isa;
import java.io.IOException;
import java.io.InputStream;

/** One input format of {@code exits report}; {@link ExitInputs} picks it by content. */
public interface ExitFormat {
    /** Options that a format cannot learn from its input. */
    record Options(Isa isa) {
    }

    String name();

    /** True when the beginning of a file (up to 64 KiB, as text) is in this format. */
    boolean matches(String head);

    /** Whether the format bounds its own lines; the others are given a stream that does (ExitInputs). */
    default boolean boundsLines() {
        return false;
    }

    /** Reads the whole stream into the tally; returns the seconds the input covers, or null. */
    Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException;
}
