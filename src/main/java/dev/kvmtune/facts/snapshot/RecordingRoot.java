package dev.kvmtune.facts.snapshot;

import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Passes every call to a directory root and remembers what was read, listed and looked up, with
 * the bytes exactly as read. {@code capture} runs the facts collection through this root and
 * writes what it saw, so a snapshot holds everything {@code facts} reads, at the same paths.
 */
public final class RecordingRoot implements Root {
    private final DirectoryRoot delegate;
    private final Map<String, byte[]> files = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Set<String> dirs = Collections.synchronizedSet(new LinkedHashSet<>());
    private final Set<String> links = Collections.synchronizedSet(new LinkedHashSet<>());
    private final Set<String> existing = Collections.synchronizedSet(new LinkedHashSet<>());

    public RecordingRoot(DirectoryRoot delegate) {
        this.delegate = delegate;
    }

    public DirectoryRoot delegate() {
        return delegate;
    }

    @Override
    public Optional<byte[]> readBytes(String path) {
        Optional<byte[]> b = delegate.readBytes(path);
        b.ifPresent(bytes -> files.put(path, bytes));
        return b;
    }

    /** Records only the head: a snapshot keeps a disk image's header, not the image. */
    @Override
    public Optional<byte[]> readHead(String path, int max) {
        Optional<byte[]> b = delegate.readHead(path, max);
        b.ifPresent(bytes -> files.put(path, bytes));
        return b;
    }

    @Override
    public Optional<String> read(String path) {
        return readBytes(path).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public List<String> list(String dir) {
        List<String> names = delegate.list(dir);
        if (delegate.isDirectory(dir)) dirs.add(dir);
        return names;
    }

    @Override
    public boolean exists(String path) {
        boolean e = delegate.exists(path);
        if (e && delegate.isDirectory(path)) dirs.add(path);
        else if (e) existing.add(path);
        return e;
    }

    @Override
    public boolean isDirectory(String path) {
        boolean d = delegate.isDirectory(path);
        if (d) dirs.add(path);
        return d;
    }

    @Override
    public Optional<String> readLink(String path) {
        Optional<String> l = delegate.readLink(path);
        if (l.isPresent()) links.add(path);
        return l;
    }

    /** Files only tested for existence, such as dev/kvm or an ACPI table: kept as empty files. */
    public Set<String> existing() {
        return existing;
    }

    @Override
    public Map<String, String> problems() {
        return delegate.problems();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public boolean isLive() {
        return delegate.isLive();
    }

    Map<String, byte[]> files() {
        synchronized (files) {
            return new LinkedHashMap<>(files);
        }
    }

    Set<String> dirs() {
        synchronized (dirs) {
            return new LinkedHashSet<>(dirs);
        }
    }

    Set<String> links() {
        synchronized (links) {
            return new LinkedHashSet<>(links);
        }
    }
}
