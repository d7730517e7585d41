package dev.kvmtune.util;

import dev.kvmtune.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one reader for inputs that are read whole (a plan, a journal, a profile, domain XML, an
 * event list, cyclictest output): at most a stated number of bytes, from whatever the path is (a
 * regular file, a pipe, a link to /dev/zero), so that a huge, sparse or endless file costs at most
 * that much memory and time and ends in one message naming the file. Streams (perf script text,
 * trace files) do not come here: they stream.
 */
public final class SmallFiles {
    /** Limits by kind of input, stated in the docs (docs/snapshots.md, docs/apply.md). */
    public static final long PLAN = 16L << 20;
    public static final long JOURNAL = 32L << 20;
    public static final long PROFILE = 1L << 20;
    public static final long DOMAIN_XML = 8L << 20;
    public static final long TRACE_EVENTS = 16L << 20;
    public static final long CYCLICTEST = 32L << 20;
    public static final long PLAN_FILE = 16L << 20;

    private SmallFiles() {
    }

    /**
     * A file the user named, opened for reading: a directory, a missing or unreadable file is a
     * bad-input error naming it. Anything but a regular file (a pipe, a FIFO, /dev/stdin) is read
     * through a FileInputStream: through a FileChannel a buffer's "how much is available" fails with
     * "Illegal seek" on it.
     */
    public static InputStream open(Path file, String what) {
        if (Files.isDirectory(file)) throw new BadInputException(file + ": is a directory (" + what + " expected)");
        try {
            return Files.isRegularFile(file) ? Files.newInputStream(file) : new java.io.FileInputStream(file.toFile());
        } catch (java.io.FileNotFoundException e) {
            throw Files.exists(file) ? new BadInputException(file + ": permission denied") : new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw BadInputException.reading(file, e);
        }
    }

    /** The bytes of {@code file}, or a bad-input error when it is a directory, unreadable, or longer than {@code max}. */
    public static byte[] read(Path file, long max, String what) {
        try (InputStream in = open(file, what)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw new BadInputException(file + ": longer than " + (max >> 20) + " MiB" + ", the limit for " + what);
            }
            return bytes;
        } catch (IOException e) {
            throw BadInputException.reading(file, e);
        }
    }

    /** The file as UTF-8 text; bytes that are not UTF-8 are a bad-input error. */
    public static String readText(Path file, long max, String what) {
        byte[] bytes = read(file, max, what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + ": not UTF-8 text (" + what + " expected)");
        }
    }
}
