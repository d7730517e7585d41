package dev.kvmtune.facts.source;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A root on a real directory: {@code /} for the live host, or an extracted tree (test fixtures,
 * a directory copied for apply tests). Outside the live root, links that lead out of the tree are
 * treated as unreadable, so a tree can never make kvmtune read the host it runs on.
 */
public final class DirectoryRoot implements Root {
    private static final int FIRST_READ = 64 * 1024;
    /** The largest read buffer a thread keeps for its next file; a larger file's buffer is dropped. */
    private static final int KEPT_BUFFER = 1024 * 1024;
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[FIRST_READ]);
    private final Path base;
    private final Path realBase;
    private final boolean live;
    private final Map<String, String> problems = Collections.synchronizedMap(new LinkedHashMap<>());

    private DirectoryRoot(Path base, boolean live) {
        this.base = base;
        this.live = live;
        Path rb;
        try {
            rb = base.toRealPath();
        } catch (IOException e) {
            rb = base.toAbsolutePath().normalize();
        }
        this.realBase = rb;
    }

    /** The running host's own filesystem. */
    public static DirectoryRoot live() {
        return new DirectoryRoot(Path.of("/"), true);
    }

    /** An extracted tree; not treated as live even if it is "/" mounted elsewhere. */
    public static DirectoryRoot of(Path dir) {
        return new DirectoryRoot(dir, false);
    }

    public Path base() {
        return base;
    }

    /** The base with links resolved: what "inside the tree" is measured against. */
    public Path realBase() {
        return realBase;
    }

    private Path resolve(String rel) {
        if (rel.startsWith("/")) throw new IllegalArgumentException("Root paths are relative: " + rel);
        return base.resolve(rel);
    }

    /** For non-live roots: does the path, links resolved, stay inside the tree? */
    private boolean confined(Path p) {
        if (live) return true;
        try {
            return p.toRealPath().startsWith(realBase);
        } catch (IOException e) {
            return true; // absent: nothing to escape to
        }
    }

    @Override
    public Optional<byte[]> readBytes(String path) {
        return open(path, DirectoryRoot::readFully);
    }

    @Override
    public Optional<byte[]> readHead(String path, int max) {
        return open(path, in -> in.readNBytes(max));
    }

    private interface Reader {
        byte[] read(InputStream in) throws IOException;
    }

    /** Opens a file inside the tree and reads it; absence is empty, other failures are kept in problems. */
    private Optional<byte[]> open(String path, Reader reader) {
        Path p = resolve(path);
        if (!confined(p)) {
            problems.put(path, "link leads outside the tree");
            return Optional.empty();
        }
        // java.io's stream reads into the array with one system call; NIO's channel stream, which names its failures
        // precisely, costs twice the instructions for a small file in a cold JVM, where a facts run opens hundreds
        try (InputStream in = new FileInputStream(p.toFile())) {
            return Optional.of(reader.read(in));
        } catch (FileNotFoundException e) {
            // absent, not a directory on the way, not allowed, a directory: asked again through NIO, which says which
            return openNio(path, p, reader);
        } catch (IOException e) {
            problems.put(path, reason(e));
            return Optional.empty();
        }
    }

    private Optional<byte[]> openNio(String path, Path p, Reader reader) {
        try (InputStream in = Files.newInputStream(p)) {
            return Optional.of(reader.read(in));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            problems.put(path, "permission denied");
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isDirectory(p)) return Optional.empty();
            problems.put(path, reason(e));
            return Optional.empty();
        }
    }

    /** What a failure is kept as: the system's words, or the exception's name where it gave none. */
    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Reads to EOF starting with one large read: sysctl handlers (proc_dointvec and friends)
     * return nothing to a read at a non-zero offset, so a file must not be read in small pieces.
     */
    private static byte[] readFully(InputStream in) throws IOException {
        // one buffer per thread: a fresh 64 KiB array per file was most of a cold `facts` run's time
        // (hundreds of /proc files, each a zeroed allocation and, every few files, a young collection)
        byte[] buf = BUFFER.get();
        int n = 0;
        int r;
        while ((r = in.read(buf, n, buf.length - n)) > 0) {
            n += r;
            if (n == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
        }
        if (buf.length <= KEPT_BUFFER) BUFFER.set(buf);
        return Arrays.copyOf(buf, n);
    }

    @Override
    public Optional<String> read(String path) {
        return readBytes(path).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public List<String> list(String dir) {
        Path p = resolve(dir);
        if (!confined(p) || !Files.isDirectory(p)) return List.of();
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path c : ds) names.add(c.getFileName().toString());
        } catch (AccessDeniedException e) {
            problems.put(dir, "permission denied");
        } catch (IOException e) {
            problems.put(dir, String.valueOf(e.getMessage()));
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public boolean exists(String path) {
        Path p = resolve(path);
        return confined(p) && Files.exists(p);
    }

    @Override
    public boolean isDirectory(String path) {
        Path p = resolve(path);
        return confined(p) && Files.isDirectory(p);
    }

    @Override
    public Optional<Long> owner(String path) {
        Path p = resolve(path);
        if (!confined(p)) return Optional.empty();
        try {
            return Optional.of(((Number) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue());
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            problems.put(path, reason(e));
            return Optional.empty();
        }
    }

    @Override
    public Optional<String> readLink(String path) {
        Path p = resolve(path);
        if (!Files.isSymbolicLink(p)) return Optional.empty();
        try {
            return Optional.of(Files.readSymbolicLink(p).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the path itself (not what it points to) is a symbolic link. */
    public boolean isLink(String path) {
        return Files.isSymbolicLink(resolve(path));
    }

    /** Whether the path exists as a regular file without following a final link. */
    public boolean isRegularNoFollow(String path) {
        return Files.isRegularFile(resolve(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public Map<String, String> problems() {
        synchronized (problems) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(problems));
        }
    }

    @Override
    public String describe() {
        return live ? "/" : base.toString();
    }

    @Override
    public boolean isLive() {
        return live;
    }
}
