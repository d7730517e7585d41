package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files named on the command line (cyclictest output, domain XML, disk images): read from the real
 * filesystem, not a Root, with every failure one bad-input message naming the file.
 */
final class InputFiles {
    private InputFiles() {
    }

    /**
     * The whole file as UTF-8, at most {@code max} bytes (a {@link SmallFiles} limit); {@code expected}
     * says what it should have been ("libvirt domain XML").
     */
    static String readText(Path file, long max, String expected) {
        return SmallFiles.readText(file, max, expected);
    }

    /** At most the first {@code max} bytes. */
    static byte[] readHead(Path file, int max) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(max);
        } catch (IOException e) {
            throw failed(file, e);
        }
    }

    /** The file opened for reading (a directory is refused). */
    static InputStream open(Path file) {
        return SmallFiles.open(file, "a file to read");
    }

    private static BadInputException failed(Path file, IOException e) {
        return BadInputException.reading(file, e);
    }
}
