package dev.kvmtune.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares output with a golden file under src/test/resources. Run the tests with
 * {@code -Dkvmtune.updateGoldens=true} to rewrite the goldens, then review them with git diff.
 */
public final class Golden {
    private Golden() {
    }

    public static boolean updating() {
        return Boolean.parseBoolean(System.getProperty("kvmtune.updateGoldens", "false"));
    }

    public static void check(Path golden, String actual) throws IOException {
        if (updating()) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(golden).as("golden file %s (create it with -Dkvmtune.updateGoldens=true)", golden).exists();
        assertThat(actual).as("output differs from %s; rerun with -Dkvmtune.updateGoldens=true and review the diff", golden)
                .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }

    /** The source tree's test resources, where goldens live (not target/test-classes). */
    public static Path resources() {
        return Path.of("src/test/resources");
    }
}
