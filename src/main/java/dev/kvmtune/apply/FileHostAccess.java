package dev.kvmtune.apply;

import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.ThreadScheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Apply's access to the live host ({@code /}) or to a directory tree standing in for one. */
public final class FileHostAccess implements HostAccess {
    private final DirectoryRoot root;
    private final Path base;
    private final boolean live;
    private final Path realBase;
    private final ThreadScheduler threads;

    private FileHostAccess(DirectoryRoot root, boolean live) {
        this.root = root;
        this.base = root.base();
        this.realBase = root.realBase();
        this.live = live;
        this.threads = live ? new LiveThreadScheduler() : new TreeThreadScheduler(this);
    }

    public static FileHostAccess onLiveHost() {
        return new FileHostAccess(DirectoryRoot.live(), true);
    }

    public static FileHostAccess onTree(Path dir) {
        return new FileHostAccess(DirectoryRoot.of(dir), false);
    }

    @Override
    public Root root() {
        return root;
    }

    @Override
    public boolean live() {
        return live;
    }

    /**
     * The path in the host. In a tree, the directory it is in must resolve (links followed) to a
     * place inside the tree, so that a hostile link can never make apply write outside it.
     */
    private Path resolve(String rel) throws IOException {
        if (rel.startsWith("/") || rel.contains("..")) throw new IllegalArgumentException("not a root-relative path: " + rel);
        Path p = base.resolve(rel);
        if (!live) {
            Path dir = p.getParent();
            while (dir != null && !Files.exists(dir)) dir = dir.getParent();
            if (dir == null || !dir.toRealPath().startsWith(realBase)) {
                throw new java.nio.file.AccessDeniedException(rel, null, "a link leads outside the tree " + base);
            }
        }
        return p;
    }

    @Override
    public byte[] readBytes(String path) throws IOException {
        Path p = resolve(path);
        if (!live && Files.isSymbolicLink(p)) throw new IOException(path + ": a link; apply does not follow links inside a tree");
        // One large read: procfs handlers answer a read at a non-zero offset with nothing.
        try (var in = Files.newInputStream(p)) {
            return in.readAllBytes();
        }
    }

    @Override
    public boolean exists(String path) {
        try {
            return Files.exists(resolve(path), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean isDirectory(String path) {
        try {
            return Files.isDirectory(resolve(path), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean ownerWritable(String path) {
        try {
            return Files.getPosixFilePermissions(resolve(path)).contains(PosixFilePermission.OWNER_WRITE);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public int mode(String path) throws IOException {
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(resolve(path), LinkOption.NOFOLLOW_LINKS)) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    @Override
    public void writeValue(String path, String value) throws IOException {
        Path p = resolve(path);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !(live && Files.exists(p))) throw new NoSuchFileException(path);
        if (live) {
            // No CREATE: a kernel file that is not there must fail, not appear as a new file.
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(value.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            install(path, (value + "\n").getBytes(StandardCharsets.UTF_8), mode(path));
        }
    }

    @Override
    public void restoreValue(String path, String restore, byte[] before) throws IOException {
        if (live) writeValue(path, restore);
        else install(path, before, mode(path));
    }

    @Override
    public void install(String path, byte[] content, int mode) throws IOException {
        Path target = resolve(path);
        Path tmp = resolve(HostAccess.tempFor(path));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(content));
            ch.force(true);
        }
        Files.setPosixFilePermissions(tmp, permissions(mode));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) out.add(p);
        }
        return out;
    }

    /** fsync of a directory, so that a rename or a new entry in it survives a crash. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void delete(String path) throws IOException {
        Path p = resolve(path);
        if (Files.deleteIfExists(p)) syncDirectory(p.getParent());
    }

    @Override
    public void mkdir(String path) throws IOException {
        Path p = resolve(path);
        Files.createDirectory(p);
        syncDirectory(p.getParent());
    }

    @Override
    public boolean rmdirIfEmpty(String path) throws IOException {
        Path p = resolve(path);
        try {
            if (Files.deleteIfExists(p)) syncDirectory(p.getParent());
            return true;
        } catch (DirectoryNotEmptyException e) {
            return false;
        }
    }

    @Override
    public ThreadScheduler threads() {
        return threads;
    }

    @Override
    public int run(List<String> argv) throws IOException {
        if (!live) throw new IOException("commands run on the live host only, not in " + base);
        Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": no exit after 10 minutes");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + ": interrupted");
        }
    }

    @Override
    public Answer ask(List<String> argv) throws IOException {
        if (!live) throw new IOException("commands run on the live host only, not in " + base);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            byte[] out = p.getInputStream().readNBytes(1 << 16);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": no answer within 60 s");
            }
            return new Answer(p.exitValue(), new String(out, java.nio.charset.StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + ": interrupted");
        }
    }
}
