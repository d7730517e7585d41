package dev.kvmtune.util;

import dev.kvmtune.BadInputException;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one writer for files the user names ({@code -o}, {@code --out}, {@code --folded}): the file is
 * written whole to a temporary sibling, forced to disk and renamed over the target, so a failure
 * or a kill leaves the old file (or none), never half of the new one. Only regular files are
 * written: a directory, a device node (/dev/full), a FIFO or a socket is refused, not replaced. A
 * symbolic link the user named is followed and the file it points to is replaced; the link stays.
 * A path kvmtune made up itself (BASE.txt from -o BASE, a default name, a file inside --out DIR)
 * is never written through a link: one found there was put there by someone else, and following it
 * as root would replace whatever it points to.
 */
public final class OutputFile {
    private static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** Writes the body of an output. */
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private OutputFile() {
    }

    /**
     * The file a write to {@code named} replaces, checked: call it before long work (a recording) so
     * that a bad {@code -o} is refused at once, not after the work is done.
     */
    public static Path check(Path named) {
        return check(named, true);
    }

    /** As {@link #check(Path)} for a path kvmtune derived, not one the user named: a link there is refused. */
    public static Path checkDerived(Path path) {
        return check(path, false);
    }

    private static Path check(Path named, boolean userNamed) {
        Path target = named.toAbsolutePath();
        if (!userNamed && Files.isSymbolicLink(target)) {
            throw new BadInputException(named + ": is a symbolic link, and kvmtune writes through a link only when it is the name given");
        }
        try {
            if (Files.isSymbolicLink(target)) {
                if (!Files.exists(target)) throw new BadInputException(named + ": a symbolic link to a missing file; name the file itself");
                target = target.toRealPath();
            }
        } catch (IOException e) {
            throw BadInputException.reading(named, e);
        }
        if (Files.isDirectory(target)) throw new BadInputException(named + ": is a directory; name a file to write");
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(named + ": not a regular file (a device, FIFO or socket); kvmtune writes only regular files");
        }
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new BadInputException(named + ": directory " + dir + " does not exist");
        return target;
    }

    public static void write(Path named, Body body) {
        write(named, body, null, true);
    }

    public static void writeText(Path named, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(named, out -> out.write(bytes), null, true);
    }

    /** A file at a path kvmtune derived ({@link #checkDerived}); a null mode keeps an existing file's, else rw-r--r--. */
    public static void writeDerived(Path path, String text, Set<PosixFilePermission> mode) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(path, out -> out.write(bytes), mode, false);
    }

    /** A file at a path kvmtune derived, written by {@code body}; an existing file's mode is kept, else rw-r--r--. */
    public static void writeDerived(Path path, Body body) {
        write(path, body, null, false);
    }

    /** Permissions: {@code mode}, else an existing file's, else rw-r--r--. */
    private static void write(Path named, Body body, Set<PosixFilePermission> mode, boolean userNamed) {
        Path target = check(named, userNamed);
        Path tmp = null;
        try {
            Set<PosixFilePermission> perms = mode != null ? mode
                    : Files.exists(target) ? Files.getPosixFilePermissions(target) : DEFAULT_MODE;
            FileChannel created = null;
            for (int attempt = 0; created == null; attempt++) {
                // a name no other file has, created with O_EXCL (never through a link), readable by root alone until
                // the move; not Files.createTempFile, whose first use seeds a SecureRandom (a fifth of a small flame svg)
                Path candidate = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "-"
                        + Long.toHexString(System.nanoTime()) + "-" + attempt + ".kvmtune-tmp");
                try {
                    created = FileChannel.open(candidate, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY);
                    tmp = candidate; // only a file this run created is ever deleted
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    if (attempt == 99) throw e;
                }
            }
            try (FileChannel ch = created;
                 OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                // a body that closes its stream (a gzip writer does) must not close the file before it is forced
                body.writeTo(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();
                    }
                });
                out.flush();
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, perms);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (AccessDeniedException e) {
            throw new BadInputException(named + ": permission denied");
        } catch (NoSuchFileException e) {
            throw new BadInputException(named + ": directory " + target.getParent() + " does not exist");
        } catch (IOException e) {
            throw new BadInputException(named + ": cannot write: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary name starts with a dot and ends in .kvmtune-tmp: recognizably ours
                }
            }
        }
    }
}
