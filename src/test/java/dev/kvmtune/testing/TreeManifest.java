package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every entry of a directory tree with what it is: a file's mode and content digest, a
 * directory's mode, a link's target. Two equal manifests mean byte-identical trees.
 */
public final class TreeManifest {
    private TreeManifest() {
    }

    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(dir) + "/", "dir " + mode(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(file).toString();
                if (attrs.isSymbolicLink()) out.put(rel, "link " + Files.readSymbolicLink(file));
                else out.put(rel, "file " + mode(file) + " " + digest(Files.readAllBytes(file)));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    /** The entries that differ, as "path: before -> after" lines; empty when the trees are identical. */
    public static java.util.List<String> diff(Map<String, String> before, Map<String, String> after) {
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.Set<String> keys = new java.util.TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            if (!java.util.Objects.equals(before.get(k), after.get(k))) out.add(k + ": " + before.get(k) + " -> " + after.get(k));
        }
        return out;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Extracts a fixture root's snapshot into a directory. */
    public static Path extract(String scenario, Path into) throws IOException, InterruptedException {
        Path archive = Path.of("src/test/resources/roots", scenario, "snapshot.tar.gz").toAbsolutePath();
        Files.createDirectories(into);
        Process p = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", into.toString()).inheritIO().start();
        if (p.waitFor() != 0) throw new IOException("tar xzf " + archive + " failed");
        return into;
    }
}
