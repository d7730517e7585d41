package dev.kvmtune.settings.change;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * errno names for reports. Java hands file errors over as exceptions carrying strerror's text,
 * so the name is found from that text (glibc's wording, asm-generic/errno-base.h numbers).
 */
public final class Errno {
    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(3, "ESRCH"), Map.entry(5, "EIO"), Map.entry(13, "EACCES"), Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"),
            Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"), Map.entry(28, "ENOSPC"), Map.entry(30, "EROFS"),
            Map.entry(12, "ENOMEM"), Map.entry(19, "ENODEV"), Map.entry(95, "EOPNOTSUPP"));
    private static final Map<String, String> BY_TEXT = Map.ofEntries(Map.entry("Operation not permitted", "EPERM"),
            Map.entry("No such file or directory", "ENOENT"), Map.entry("No such process", "ESRCH"),
            Map.entry("Input/output error", "EIO"), Map.entry("Permission denied", "EACCES"),
            Map.entry("Device or resource busy", "EBUSY"), Map.entry("File exists", "EEXIST"), Map.entry("Not a directory", "ENOTDIR"),
            Map.entry("Is a directory", "EISDIR"), Map.entry("Invalid argument", "EINVAL"), Map.entry("No space left on device", "ENOSPC"),
            Map.entry("Read-only file system", "EROFS"), Map.entry("Cannot allocate memory", "ENOMEM"),
            Map.entry("No such device", "ENODEV"), Map.entry("Operation not supported", "EOPNOTSUPP"));

    private Errno() {
    }

    public static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }

    /** The errno an exception stands for, or null when it does not say. */
    public static String of(IOException e) {
        if (e instanceof ErrnoException ee) return name(ee.errno());
        if (e instanceof ThreadScheduler.ThreadGoneException) return "ESRCH";
        if (e instanceof NoSuchFileException) return "ENOENT";
        if (e instanceof AccessDeniedException) return "EACCES";
        String text = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        if (text == null) return null;
        for (var entry : BY_TEXT.entrySet()) {
            if (text.contains(entry.getKey())) return entry.getValue();
        }
        return null;
    }
}
