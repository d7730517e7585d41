package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes files of a small directory root for tests of odd or bad trees. */
public final class Trees {
    private Trees() {
    }

    public static void put(Path root, String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
