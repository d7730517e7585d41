package dev.kvmtune.apply;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.SchedState;
import dev.kvmtune.settings.change.ThreadScheduler;
import java.io.IOException;
import java.util.List;

/** A host that passes everything to a real one, with a hook before each write (kernel value, file, directory, thread). */
abstract class DelegatingHost implements HostAccess {
    final HostAccess inner;

    DelegatingHost(HostAccess inner) {
        this.inner = inner;
    }

    /** Called before each write; {@code kernelValue} for kernel files. */
    abstract void beforeWrite(String target, boolean kernelValue) throws IOException;

    @Override
    public Root root() {
        return inner.root();
    }

    @Override
    public boolean live() {
        return inner.live();
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
        beforeWrite(path, true);
        inner.writeValue(path, value);
    }

    @Override
    public void restoreValue(String path, String restore, byte[] before) throws IOException {
        inner.restoreValue(path, restore, before);
    }

    @Override
    public void install(String path, byte[] content, int mode) throws IOException {
        beforeWrite(path, false);
        inner.install(path, content, mode);
    }

    @Override
    public void delete(String path) throws IOException {
        inner.delete(path);
    }

    @Override
    public void mkdir(String path) throws IOException {
        beforeWrite(path, false);
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
                beforeWrite("proc/" + pid + "/task/" + tid, false);
                real.set(pid, tid, state);
            }
        };
    }

    @Override
    public int run(List<String> argv) throws IOException {
        return inner.run(argv);
    }

    @Override
    public Answer ask(List<String> argv) throws IOException {
        return inner.ask(argv);
    }
}
