package dev.kvmtune.facts.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.util.OutputFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Writes what a {@link RecordingRoot} saw as a snapshot archive. Paths keep their links: every
 * symbolic link met on the way to a file (as in {@code sys/block/vda -> ../devices/...}) becomes a
 * link entry, and the content is stored at the link's target, so the snapshot resolves paths the
 * way the host did. Absolute link targets are rewritten relative, so the archive never points out
 * of itself. Secrets in process command lines are redacted. Entries are sorted: the same tree
 * gives the same archive order.
 */
public final class SnapshotWriter {
    private static final Pattern CMDLINE = Pattern.compile("proc/\\d+(/task/\\d+)?/cmdline");
    private static final Pattern ENVIRON = Pattern.compile("proc/\\d+(/task/\\d+)?/environ");
    /** The only environment variables a snapshot keeps (irqbalance's banned CPUs); the rest may hold secrets. */
    private static final String KEPT_ENV_PREFIX = "IRQBALANCE_";
    private static final int MAX_LINK_HOPS = 40;

    private final DirectoryRoot live;
    private final long maxBytes;
    private final TreeMap<String, byte[]> files = new TreeMap<>();
    private final TreeMap<String, String> links = new TreeMap<>();
    private final java.util.TreeSet<String> dirs = new java.util.TreeSet<>();
    private final List<String> omitted = new ArrayList<>();
    private final List<SnapshotMetadata.Redaction> redactions = new ArrayList<>();
    private long bytes;

    public SnapshotWriter(DirectoryRoot live, long maxBytes) {
        this.live = live;
        this.maxBytes = maxBytes;
    }

    /** Adds everything the recording root saw. */
    public void addAll(RecordingRoot rec) {
        for (Map.Entry<String, byte[]> f : rec.files().entrySet()) addFile(f.getKey(), f.getValue());
        for (String e : rec.existing()) {
            if (!rec.files().containsKey(e)) addFile(e, new byte[0]);
        }
        for (String d : rec.dirs()) addDir(d);
        for (String l : rec.links()) canonical(l, false);
    }

    /**
     * A file that is not a copy of one of the host's (a later reading, under {@link Capture#LATER}):
     * kept under its own name, within --max-size like the others.
     */
    public void addOwn(String path, byte[] content) {
        if (!path.startsWith("kvmtune/")) throw new IllegalArgumentException("own snapshot files live under kvmtune/: " + path);
        if (bytes + content.length > maxBytes) {
            omitted.add(path);
            return;
        }
        bytes += content.length;
        files.put(path, content);
    }

    private void addFile(String path, byte[] content) {
        String real = canonical(path, true);
        if (real == null) return;
        byte[] data = content;
        if (CMDLINE.matcher(real).matches()) data = redactCmdline(real, content);
        if (ENVIRON.matcher(real).matches()) data = filterEnviron(real, content);
        if (bytes + data.length > maxBytes) {
            omitted.add(path);
            return;
        }
        bytes += data.length;
        files.put(real, data);
    }

    private void addDir(String path) {
        String real = canonical(path, true);
        if (real == null) return;
        dirs.add(real);
        // children that are directories or links, so that listing the directory in the
        // snapshot gives the same names for everything a reader walks into
        for (String child : live.list(path)) {
            String c = path.isEmpty() ? child : path + "/" + child;
            if (live.isLink(c)) {
                String target = canonical(c, true);
                if (target != null && live.isDirectory(c)) dirs.add(target);
            } else if (live.isDirectory(c)) {
                dirs.add(real + "/" + child);
            }
        }
    }

    private byte[] redactCmdline(String path, byte[] content) {
        return Redactor.redactCmdline(content, c -> redactions.add(new SnapshotMetadata.Redaction(path, c.argument(), c.what())));
    }

    private byte[] filterEnviron(String path, byte[] content) {
        StringBuilder kept = new StringBuilder();
        int dropped = 0;
        for (String e : new String(content, StandardCharsets.UTF_8).split("\0")) {
            if (e.isEmpty()) continue;
            if (e.startsWith(KEPT_ENV_PREFIX)) kept.append(e).append('\0');
            else dropped++;
        }
        if (dropped > 0) redactions.add(new SnapshotMetadata.Redaction(path, -1, dropped + " environment variables other than " + KEPT_ENV_PREFIX + "*"));
        return kept.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Walks {@code path} component by component on the live tree, recording every link met, and
     * returns the real path inside the tree (null when a link leads outside it or loops).
     */
    String canonical(String path, boolean followLast) {
        return canonical(path, followLast, 0);
    }

    private String canonical(String path, boolean followLast, int depth) {
        if (depth > MAX_LINK_HOPS) return null;
        String[] parts = path.split("/");
        String cur = "";
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty() || parts[i].equals(".")) continue;
            String next = cur.isEmpty() ? parts[i] : cur + "/" + parts[i];
            boolean last = i == parts.length - 1;
            if (live.isLink(next)) {
                String target = live.readLink(next).orElse("");
                String rel = relativeTarget(cur, target);
                if (rel == null) return null;
                links.put(next, rel);
                if (last && !followLast) return next;
                String joined = SnapshotRoot.normalize(cur.isEmpty() ? rel : cur + "/" + rel);
                if (joined == null) return null;
                String resolved = canonical(joined, true, depth + 1);
                if (resolved == null) return null;
                cur = resolved;
            } else {
                cur = next;
            }
        }
        return cur;
    }

    /** A link target as a path relative to the link's directory; absolute targets are rewritten. */
    private static String relativeTarget(String linkDir, String target) {
        if (!target.startsWith("/")) return target;
        Path from = Path.of("/" + linkDir);
        return from.relativize(Path.of(target).normalize()).toString();
    }

    public List<String> omitted() {
        return omitted;
    }

    public List<SnapshotMetadata.Redaction> redactions() {
        return redactions;
    }

    /** Writes the archive: metadata first, then directories, links and files in path order. */
    public void write(OutputStream out, SnapshotMetadata meta) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            writeFile(tar, SnapshotMetadata.FILE_NAME, json.writeValueAsBytes(meta));
            for (String d : dirs) {
                if (links.containsKey(d) || files.containsKey(d)) continue;
                TarArchiveEntry e = new TarArchiveEntry(d + "/");
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, String> l : links.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(l.getKey(), TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(l.getValue());
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                if (links.containsKey(f.getKey())) continue;
                writeFile(tar, f.getKey(), f.getValue());
            }
            tar.finish();
        }
    }

    private static void writeFile(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setModTime(0);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    /** Writes to a regular file atomically ({@link OutputFile}: a temporary sibling renamed into place). */
    public void writeTo(Path target, SnapshotMetadata meta) {
        OutputFile.write(target, out -> write(out, meta));
    }
}
