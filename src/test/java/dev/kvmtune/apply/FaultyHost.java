package dev.kvmtune.apply;

import dev.kvmtune.facts.Root;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A host that fails its k-th write (counting kernel values, installed files, directories and
 * thread settings): an I/O error, a read-only file system, or the target vanishing just before
 * the write. k = 0 never fails and only counts.
 */
final class FaultyHost implements HostAccess {
    enum Fault { EIO, EROFS, VANISH }

    private final FileHostAccess inner;
    private final Path tree;
    private final int failAt;
    private final Fault fault;
    private int writes;
    private boolean armed = true;
    String failedTarget;

    FaultyHost(Path tree, int failAt, Fault fault) {
        this.inner = FileHostAccess.onTree(tree);
        this.tree = tree;
        this.failAt = failAt;
        this.fault = fault;
    }

    int writes() {
        return writes;
    }

    /** After the apply, rollback runs on the same host without faults. */
    void disarm() {
        armed = false;
    }

    private void maybeFail(String target, boolean kernelValue) throws IOException {
        if (!armed) return;
        writes++;
        if (writes != failAt) return;
        failedTarget = target;
        switch (fault) {
            case EIO -> throw new IOException(target + ": Input/output error");
            case EROFS -> throw new FileSystemException(target, null, "Read-only file system");
            case VANISH -> {
                if (kernelValue) Files.deleteIfExists(tree.resolve(target));
                else throw new java.nio.file.NoSuchFileException(target);
            }
        }
    }

    @Override
    public Root root() {
        return inner.root();
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public byte[] readBytes(String path) throws IOException {
        return inner.readBytes(path);
    }

    @Override
    public boolean exists(String path) {
        return inner.exists(path);
    }

    @Override
    public boolean isDirectory(String path) {
        return inner.isDirectory(path);
    }

    @Override
    public boolean ownerWritable(String path) {
        return inner.ownerWritable(path);
    }

    @Override
    public int mode(String path) throws IOException {
        return inner.mode(path);
    }

    @Override
    public void writeValue(String path, String value) throws IOException {
        maybeFail(path, true);
        inner.writeValue(path, value);
    }

    @Override
    public void restoreValue(String path, String restore, byte[] before) throws IOException {
        inner.restoreValue(path, restore, before);
    }

    @Override
    public void install(String path, byte[] content, int mode) throws IOException {
        maybeFail(path, false);
        inner.install(path, content, mode);
    }

    @Override
    public void delete(String path) throws IOException {
        inner.delete(path);
    }

    @Override
    public void mkdir(String path) throws IOException {
        maybeFail(path, false);
        inner.mkdir(path);
    }

    @Override
    public boolean rmdirIfEmpty(String path) throws IOException {
        return inner.rmdirIfEmpty(path);
    }

    @Override
    public ThreadScheduler threads() {
        ThreadScheduler real = inner.threads();
        return new ThreadScheduler() {
            @Override
            public SchedState get(int pid, int tid) throws IOException {
                return real.get(pid, tid);
            }

            @Override
            public void set(int pid, int tid, SchedState state) throws IOException {
                maybeFail("proc/" + pid + "/task/" + tid, false);
                real.set(pid, tid, state);
            }
        };
    }

    @Override
    public int run(List<String> argv) throws IOException {
        return inner.run(argv);
    }
}
