package dev.kvmtune.apply;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A host that fails its k-th write (counting kernel values, installed files, directories and
 * thread settings): an I/O error, a read-only file system, or the target vanishing just before
 * the write. k = 0 never fails and only counts.
 */
final class FaultyHost extends DelegatingHost {
    enum Fault { EIO, EROFS, VANISH }

    private final Path tree;
    private final int failAt;
    private final Fault fault;
    private int writes;
    private boolean armed = true;
    String failedTarget;

    FaultyHost(Path tree, int failAt, Fault fault) {
        super(FileHostAccess.onTree(tree));
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

    @Override
    void beforeWrite(String target, boolean kernelValue) throws IOException {
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
}
