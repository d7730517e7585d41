package dev.kvmtune.facts.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.source.Root;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A root backed by a snapshot archive ({@code .tar.gz} made by {@code kvmtune capture}), held in
 * memory. Opening is the security boundary: absolute names, {@code ..}, links that leave the
 * tree, hard links, device files, FIFOs, oversize entries and oversize archives are refused with
 * a {@link BadInputException} naming the archive and the entry, before any reader sees the tree.
 */
public final class SnapshotRoot implements Root {
    /** Largest single entry accepted. Pseudo-files are small; this bounds a hostile archive. */
    public static final long MAX_ENTRY_BYTES = 64L << 20;
    /** Largest total of entry sizes accepted. */
    public static final long MAX_TOTAL_BYTES = 512L << 20;
    /** Most entries accepted (a capture of a large server holds tens of thousands). */
    public static final int MAX_ENTRIES = 500_000;
    /** Longest entry name accepted, in characters (Linux's PATH_MAX). */
    public static final int MAX_NAME = 4096;
    /** Longest single path component (Linux's NAME_MAX). */
    public static final int MAX_COMPONENT = 255;
    /** Deepest path accepted, in components; the deepest sysfs paths a capture holds are about 20. */
    public static final int MAX_DEPTH = 64;
    private static final int MAX_LINK_HOPS = 40;

    private sealed interface Node permits FileNode, DirNode, LinkNode {
    }

    private record FileNode(byte[] data) implements Node {
    }

    private record DirNode(TreeSet<String> children) implements Node {
    }

    private record LinkNode(String target) implements Node {
    }

    private final Map<String, Node> nodes = new HashMap<>();
    private final String name;
    private SnapshotMetadata metadata;

    private SnapshotRoot(String name) {
        this.name = name;
        nodes.put("", new DirNode(new TreeSet<>()));
    }

    /** Opens and validates a snapshot archive. */
    public static SnapshotRoot open(Path archive) {
        SnapshotRoot root = new SnapshotRoot(archive.toString());
        try (InputStream in = Files.newInputStream(archive)) {
            root.load(new BufferedInputStream(in), archive.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException(archive + ": no such snapshot file");
        } catch (AccessDeniedException e) {
            throw new BadInputException(archive + ": permission denied");
        } catch (IOException e) {
            throw new BadInputException(archive + ": cannot read: " + reason(e), e);
        }
        return root;
    }

    /** Opens a snapshot from a stream (tests, stdin); {@code name} is used in messages. */
    public static SnapshotRoot open(InputStream in, String name) {
        SnapshotRoot root = new SnapshotRoot(name);
        root.load(in, name);
        return root;
    }

    private void load(InputStream in, String archive) {
        long total = 0;
        int count = 0;
        String current = null;
        InputStream raw = in.markSupported() ? in : new BufferedInputStream(in);
        boolean gzip;
        try {
            raw.mark(2);
            gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
        } catch (IOException ex) {
            throw new BadInputException(archive + ": cannot read: " + reason(ex), ex);
        }
        Map<String, String> owners = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip ? new GzipCompressorInputStream(raw) : raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                current = e.getName();
                if (++count > MAX_ENTRIES) throw refuse(archive, current, "more than " + MAX_ENTRIES + " entries");
                String path = checkName(archive, e.getName());
                if (e.isDirectory()) {
                    if (path.isEmpty()) continue;
                    mkdirs(archive, path);
                    if (!gzip && path.indexOf('/') < 0) owners.put(path, e.getLongUserId() + ":" + e.getUserName());
                } else if (e.isSymbolicLink()) {
                    checkLink(archive, path, e.getLinkName());
                    put(archive, path, new LinkNode(e.getLinkName()));
                } else if (e.isLink()) {
                    throw refuse(archive, current, "hard links are not accepted");
                } else if (e.isSparse()) {
                    throw refuse(archive, current, "sparse entries are not accepted");
                } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                    throw refuse(archive, current, "device files, FIFOs and other special entries are not accepted");
                } else if (isPlainFile(e)) {
                    long size = e.getSize();
                    if (size > MAX_ENTRY_BYTES) throw refuse(archive, current, "entry of " + size + " bytes exceeds the " + MAX_ENTRY_BYTES + "-byte limit");
                    total += size;
                    if (total > MAX_TOTAL_BYTES) throw refuse(archive, current, "archive content exceeds " + MAX_TOTAL_BYTES + " bytes");
                    byte[] data = tar.readNBytes((int) size);
                    if (data.length != size) throw refuse(archive, current, "truncated: entry ends early");
                    if (path.equals(SnapshotMetadata.FILE_NAME)) {
                        if (metadata != null) throw refuse(archive, current, "appears twice");
                        metadata = parseMetadata(archive, data);
                    } else {
                        put(archive, path, new FileNode(data));
                    }
                } else {
                    throw refuse(archive, current, "device files, FIFOs and other special entries are not accepted");
                }
            }
        } catch (BadInputException ex) {
            throw ex;
        } catch (IOException | IllegalArgumentException ex) {
            String where = current == null ? "" : " (after entry '" + current + "')";
            throw new BadInputException(archive + ": not a readable snapshot (gzip-compressed tar) or smemcap archive (tar)" + where + ": " + reason(ex), ex);
        }
        if (!gzip && count == 0) {
            throw new BadInputException(archive + ": not a readable snapshot (gzip-compressed tar) or smemcap archive (tar): no archive entries");
        }
        if (metadata == null && !gzip && nodes.get("meminfo") instanceof FileNode) {
            fromSmemcap(archive, owners);
            return;
        }
        if (metadata == null) {
            throw new BadInputException(archive + ": not a kvmtune snapshot: no " + SnapshotMetadata.FILE_NAME + " in the archive"
                    + (gzip ? "" : ", and not an smemcap archive: no meminfo"));
        }
    }

    /**
     * An archive in smemcap's layout (seed 000: {@code smemcap > memorycapture.tar} on one host, analysed
     * on another): {@code meminfo}, {@code version}, and per process a directory {@code PID} owned by
     * the process's user holding {@code smaps}, {@code cmdline} and {@code stat}. It is re-rooted under
     * {@code proc/}, the owner of each process directory becomes the Uid line of a {@code status} and
     * owner names an {@code etc/passwd}, so that {@code mem} reads it as it reads a host.
     */
    private void fromSmemcap(String archive, Map<String, String> owners) {
        Map<String, Node> old = new HashMap<>(nodes);
        nodes.clear();
        nodes.put("", new DirNode(new TreeSet<>()));
        mkdirs(archive, "proc");
        StringBuilder passwd = new StringBuilder();
        java.util.Set<String> named = new java.util.HashSet<>();
        for (Map.Entry<String, Node> e : old.entrySet()) {
            if (!(e.getValue() instanceof FileNode f)) continue;
            String p = e.getKey();
            int slash = p.indexOf('/');
            String top = slash < 0 ? p : p.substring(0, slash);
            if (slash < 0 && !(p.equals("meminfo") || p.equals("version"))) continue;
            if (slash >= 0 && !top.chars().allMatch(Character::isDigit)) continue;
            put(archive, "proc/" + p, f);
        }
        for (Map.Entry<String, String> o : owners.entrySet()) {
            String pid = o.getKey();
            if (!pid.chars().allMatch(Character::isDigit) || !nodes.containsKey("proc/" + pid)) continue;
            String[] uidName = o.getValue().split(":", 2);
            String uid = uidName[0];
            put(archive, "proc/" + pid + "/status", new FileNode(("Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            String name = uidName.length > 1 ? uidName[1] : "";
            if (!name.isEmpty() && name.indexOf(':') < 0 && name.indexOf('\n') < 0 && named.add(uid)) {
                passwd.append(name).append(":x:").append(uid).append(":0::/:/bin/false\n");
            }
        }
        if (passwd.length() > 0) put(archive, "etc/passwd", new FileNode(passwd.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        metadata = new SnapshotMetadata(SnapshotMetadata.FORMAT, "smemcap", "", "", Map.of(), new java.util.TreeMap<>(), List.of(), List.of());
    }

    /** An exception's message, or what it is when it has none (a gzip stream cut short throws EOFException without one). */
    private static String reason(Exception e) {
        if (e instanceof java.io.EOFException) return "the archive ends early (truncated)";
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static boolean isPlainFile(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == TarArchiveEntry.LF_NORMAL || f == TarArchiveEntry.LF_OLDNORM || f == TarArchiveEntry.LF_CONTIG;
    }

    private static SnapshotMetadata parseMetadata(String archive, byte[] data) {
        try {
            SnapshotMetadata m = new ObjectMapper().readValue(data, SnapshotMetadata.class);
            if (m.format() > SnapshotMetadata.FORMAT) {
                throw new BadInputException(archive + ": snapshot format " + m.format() + " is newer than this kvmtune understands (" + SnapshotMetadata.FORMAT + ")");
            }
            return m;
        } catch (IOException ex) {
            throw new BadInputException(archive + ": " + SnapshotMetadata.FILE_NAME + " is not valid: " + (ex instanceof com.fasterxml.jackson.core.JsonProcessingException j ? dev.kvmtune.util.JsonErrors.describe(j) : reason(ex)), ex);
        }
    }

    private static BadInputException refuse(String archive, String entry, String why) {
        return new BadInputException(archive + ": entry '" + entry + "': " + why);
    }

    /** Normalizes an entry name, refusing absolute names, '..', and names too long or too deep. */
    static String checkName(String archive, String name) {
        String n = name;
        if (n.length() > MAX_NAME) {
            throw new BadInputException(archive + ": an entry name of " + n.length() + " characters exceeds the " + MAX_NAME + "-character limit ('"
                    + n.substring(0, 60) + "...')");
        }
        if (n.startsWith("/")) throw refuse(archive, name, "absolute path");
        if (n.indexOf('\0') >= 0 || n.indexOf('\\') >= 0) throw refuse(archive, name, "invalid character in name");
        List<String> parts = new ArrayList<>();
        for (String p : n.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) throw refuse(archive, name, "'..' in path");
            if (p.length() > MAX_COMPONENT) throw refuse(archive, name, "a path component longer than " + MAX_COMPONENT + " characters");
            parts.add(p);
            if (parts.size() > MAX_DEPTH) throw refuse(archive, name.substring(0, Math.min(name.length(), 120)) + "...", "deeper than " + MAX_DEPTH + " directories");
        }
        return String.join("/", parts);
    }

    private static void checkLink(String archive, String path, String target) {
        if (target.isEmpty()) throw refuse(archive, path, "empty link target");
        if (target.startsWith("/")) throw refuse(archive, path, "symbolic link with absolute target '" + target + "'");
        if (escapes(path, target)) throw refuse(archive, path, "symbolic link '" + target + "' leads outside the snapshot");
    }

    /** Does {@code target}, taken relative to the link's directory, climb above the root? */
    private static boolean escapes(String linkPath, String target) {
        int slash = linkPath.lastIndexOf('/');
        String dir = slash < 0 ? "" : linkPath.substring(0, slash);
        return normalize(dir.isEmpty() ? target : dir + "/" + target) == null;
    }

    /** Collapses '.' and '..'; null if the path climbs above the root. */
    static String normalize(String p) {
        Deque<String> st = new ArrayDeque<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (st.isEmpty()) return null;
                st.removeLast();
            } else {
                st.addLast(part);
            }
        }
        return String.join("/", st);
    }

    private void mkdirs(String archive, String path) {
        String parent = "";
        for (String part : path.split("/")) {
            String p = parent.isEmpty() ? part : parent + "/" + part;
            Node n = nodes.get(p);
            if (n == null) {
                nodes.put(p, new DirNode(new TreeSet<>()));
                ((DirNode) nodes.get(parent)).children().add(part);
            } else if (!(n instanceof DirNode)) {
                throw refuse(archive, path, "'" + p + "' is both a directory and a file or link");
            }
            parent = p;
        }
    }

    private void put(String archive, String path, Node node) {
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        if (!parent.isEmpty()) mkdirs(archive, parent);
        Node old = nodes.get(path);
        if (old instanceof DirNode) throw refuse(archive, path, "is both a directory and a file or link");
        if (old != null) throw refuse(archive, path, "appears twice");
        nodes.put(path, node);
        ((DirNode) nodes.get(parent)).children().add(slash < 0 ? path : path.substring(slash + 1));
    }

    /**
     * Resolves a path inside the tree following links; null if absent or looping. Every link was
     * checked lexically against its own directory when loaded, so a chain of links stays inside.
     */
    private String resolve(String path, boolean followLast) {
        String pending = checkRelative(path);
        int hops = 0;
        outer:
        while (true) {
            String[] parts = pending.isEmpty() ? new String[0] : pending.split("/");
            String cur = "";
            for (int i = 0; i < parts.length; i++) {
                String next = cur.isEmpty() ? parts[i] : cur + "/" + parts[i];
                Node n = nodes.get(next);
                if (n == null) return null;
                boolean last = i == parts.length - 1;
                if (n instanceof LinkNode l && (!last || followLast)) {
                    if (++hops > MAX_LINK_HOPS) return null;
                    String target = normalize(cur.isEmpty() ? l.target() : cur + "/" + l.target());
                    if (target == null) return null;
                    StringBuilder rest = new StringBuilder(target);
                    for (int k = i + 1; k < parts.length; k++) rest.append('/').append(parts[k]);
                    pending = normalize(rest.toString());
                    if (pending == null) return null;
                    continue outer;
                }
                if (!last && !(n instanceof DirNode)) return null;
                cur = next;
            }
            return cur;
        }
    }

    private static String checkRelative(String path) {
        if (path.startsWith("/")) throw new IllegalArgumentException("Root paths are relative: " + path);
        String n = normalize(path);
        return n == null ? "\0" : n;
    }

    @Override
    public Optional<byte[]> readBytes(String path) {
        String r = resolve(path, true);
        if (r != null && nodes.get(r) instanceof FileNode f) return Optional.of(f.data());
        return Optional.empty();
    }

    @Override
    public Optional<String> read(String path) {
        return readBytes(path).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public List<String> list(String dir) {
        String r = resolve(dir, true);
        if (r != null && nodes.get(r) instanceof DirNode d) return List.copyOf(d.children());
        return List.of();
    }

    @Override
    public boolean exists(String path) {
        return resolve(path, true) != null;
    }

    @Override
    public boolean isDirectory(String path) {
        String r = resolve(path, true);
        return r != null && nodes.get(r) instanceof DirNode;
    }

    @Override
    public Optional<String> readLink(String path) {
        String r = resolve(path, false);
        if (r != null && nodes.get(r) instanceof LinkNode l) return Optional.of(l.target());
        return Optional.empty();
    }

    @Override
    public Map<String, String> problems() {
        return metadata.unreadable() == null ? Map.of() : Collections.unmodifiableMap(metadata.unreadable());
    }

    public SnapshotMetadata metadata() {
        return metadata;
    }

    @Override
    public String describe() {
        return "snapshot " + name;
    }

    @Override
    public boolean isLive() {
        return false;
    }
}
