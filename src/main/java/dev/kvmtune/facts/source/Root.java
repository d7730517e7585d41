package dev.kvmtune.facts.source;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one door to the filesystem. Every reader takes a Root and a path relative to it
 * ({@code proc/interrupts}, {@code sys/devices/system/cpu/cpu3/topology/core_id}); the live host,
 * an extracted tree and a snapshot archive behave identically. Paths never start with '/'.
 *
 * <p>Absence is data: a missing file gives an empty Optional and never throws. A file that exists
 * but cannot be read (permission, I/O error) also gives empty, and the reason is kept in
 * {@link #problems()} so that facts and capture can say why.
 */
public interface Root extends Closeable {

    /** Whole file as text (UTF-8, invalid bytes replaced), following links; empty if absent or unreadable. */
    Optional<String> read(String path);

    /** Whole file as bytes; empty if absent or unreadable. */
    Optional<byte[]> readBytes(String path);

    /**
     * The first {@code max} bytes of a file (fewer when it is shorter), for headers of files too
     * large to read whole, such as disk images; empty if absent or unreadable.
     */
    default Optional<byte[]> readHead(String path, int max) {
        return readBytes(path).map(b -> b.length <= max ? b : java.util.Arrays.copyOf(b, max));
    }

    /** Names in a directory, sorted; empty list if it is not a directory. */
    List<String> list(String dir);

    boolean exists(String path);

    boolean isDirectory(String path);

    /** Target of a symbolic link exactly as stored, without resolving it; empty when not a link. */
    Optional<String> readLink(String path);

    /**
     * The uid owning a file or directory, as stat(2) gives it ({@code proc/PID} is owned by the
     * process's effective user, which is how smem names a process's user); empty where the root
     * keeps no owners (snapshots) or the path is absent.
     */
    default Optional<Long> owner(String path) {
        return Optional.empty();
    }

    /** Files that exist but could not be read, with the reason, in the order met. */
    Map<String, String> problems();

    /** Where this root reads from, for messages: "/" or "snapshot host.tar.gz". */
    String describe();

    /** True when this is the running host (live values such as rates make sense). */
    boolean isLive();

    @Override
    default void close() {
    }

    /** Joins path parts with '/', dropping empty parts. */
    static String path(Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            String s = String.valueOf(p);
            if (s.isEmpty()) continue;
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '/') sb.append('/');
            sb.append(s);
        }
        return sb.toString();
    }
}
