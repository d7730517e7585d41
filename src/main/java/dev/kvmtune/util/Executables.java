package dev.kvmtune.util;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a program a command would start is there, so that a missing one is a skip with its package, not a failure later. */
public final class Executables {
    private Executables() {
    }

    /** A path with a slash is checked itself; a bare name is looked up on PATH. */
    public static boolean found(String program) {
        if (program.contains("/")) return Files.isExecutable(Path.of(program));
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }
}
