package dev.kvmtune.settings.change;

import dev.kvmtune.facts.source.Root;
import java.io.IOException;
import java.util.List;

/**
 * The write side of a root: what apply and rollback do to the host, by root-relative path.
 * {@link FileHostAccess} serves the live host and directory trees; tests wrap it to inject faults.
 */
public interface HostAccess {

    /** The same host for reading facts (processes, threads, VMs). */
    Root root();

    boolean live();

    /** The whole file; {@link java.nio.file.NoSuchFileException} when absent. */
    byte[] readBytes(String path) throws IOException;

    boolean exists(String path);

    boolean isDirectory(String path);

    /** Whether the file's mode lets its owner write it: module parameters declared 0444 cannot change at runtime. */
    boolean ownerWritable(String path);

    /** Permission bits, e.g. 0644. */
    int mode(String path) throws IOException;

    /**
     * Writes a value to an existing kernel file (sysctl, sysfs, procfs) in one write. Such files are
     * never created: a missing one is ENOENT. In a tree the value is stored as the file's content.
     */
    void writeValue(String path, String value) throws IOException;

    /**
     * Puts a kernel file back: the live kernel is given {@code restore} (what it accepts, e.g. the
     * bracketed choice of a selection file); a tree gets its exact former bytes.
     */
    void restoreValue(String path, String restore, byte[] before) throws IOException;

    /**
     * Replaces a regular file atomically (a temporary file beside it, fsync, rename, fsync of the
     * directory) with this mode; the temporary file is {@link #tempFor(String)}.
     */
    void install(String path, byte[] content, int mode) throws IOException;

    /** Deletes a file; absent is fine. */
    void delete(String path) throws IOException;

    void mkdir(String path) throws IOException;

    /** Removes a directory apply created; false when it now holds something else and was kept. */
    boolean rmdirIfEmpty(String path) throws IOException;

    ThreadScheduler threads();

    /** Runs a command on the live host, returning its exit code; output goes to the error stream. */
    int run(List<String> argv) throws IOException;

    /** A command's exit code and its output (stdout and stderr together), for a read-only question to a tool (virsh domstate). */
    record Answer(int exit, String output) {
    }

    /** Asks a read-only question of a tool on the live host; a tree, or a host that cannot run it, throws. */
    default Answer ask(List<String> argv) throws IOException {
        throw new IOException(String.join(" ", argv) + ": commands run on the live host only");
    }

    /** The temporary name {@link #install} writes first, so that a crash between the two can be cleaned up. */
    static String tempFor(String path) {
        int slash = path.lastIndexOf('/');
        return path.substring(0, slash + 1) + "." + path.substring(slash + 1) + ".kvmtune-new";
    }
}
