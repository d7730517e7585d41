package dev.kvmtune.facts.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a tree on disk gives for each kind of path: contents, absence, or a problem named by path. */
class DirectoryRootTest {
    @TempDir
    Path tmp;

    @Test
    void readsSmallAndLargeFilesWhole() throws Exception {
        Files.writeString(tmp.resolve("small"), "1\n");
        byte[] large = new byte[300_000];
        Arrays.fill(large, (byte) 'x');
        Files.write(tmp.resolve("large"), large);
        DirectoryRoot root = DirectoryRoot.of(tmp);
        assertThat(root.read("small")).contains("1\n");
        assertThat(root.readBytes("large")).hasValueSatisfying(b -> assertThat(b).isEqualTo(large));
        assertThat(root.readHead("large", 10)).hasValueSatisfying(b -> assertThat(b).hasSize(10));
        assertThat(root.readBytes("small")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("1\n"));
        assertThat(root.problems()).isEmpty();
    }

    @Test
    void absenceIsEmptyWithoutAProblem() throws Exception {
        Files.writeString(tmp.resolve("file"), "x");
        Files.createDirectory(tmp.resolve("dir"));
        DirectoryRoot root = DirectoryRoot.of(tmp);
        assertThat(root.read("missing")).isEmpty();
        assertThat(root.read("missing/below")).isEmpty();
        assertThat(root.read("dir")).isEmpty(); // a directory is not a file to read
        assertThat(root.problems()).isEmpty();
        // a file where a directory should be: nothing read, and the system's words for it kept
        assertThat(root.read("file/below")).isEmpty();
        assertThat(root.problems()).containsOnlyKeys("file/below").hasValueSatisfying(
                new org.assertj.core.api.Condition<>(m -> m.endsWith("Not a directory"), "the system's words"));
    }

    @Test
    void listsADirectorysNamesInOrderAndNothingForAnythingElse() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("proc/42/task"));
        for (String n : new String[] {"43", "42", "100", "b", "a"}) Files.createDirectory(d.resolve(n));
        Files.writeString(tmp.resolve("proc/42/stat"), "x");
        DirectoryRoot root = DirectoryRoot.of(tmp);
        assertThat(root.list("proc/42/task")).containsExactly("100", "42", "43", "a", "b");
        assertThat(root.list("proc/42")).containsExactly("stat", "task");
        assertThat(root.list("proc/42/stat")).isEmpty();
        assertThat(root.list("proc/7")).isEmpty();
        assertThat(root.problems()).isEmpty();
    }

    @Test
    void aLinkOutOfTheTreeIsAProblemNamedByPath() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside"), "secret");
        Path tree = Files.createDirectory(tmp.resolve("tree"));
        Files.createSymbolicLink(tree.resolve("escape"), outside);
        DirectoryRoot root = DirectoryRoot.of(tree);
        assertThat(root.read("escape")).isEmpty();
        assertThat(root.problems()).containsEntry("escape", "link leads outside the tree");
    }

    @Test
    void anUnreadableFileIsAProblemNamedByPath() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads a file of mode 000");
        Path f = Files.writeString(tmp.resolve("locked"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        DirectoryRoot root = DirectoryRoot.of(tmp);
        assertThat(root.read("locked")).isEmpty();
        assertThat(root.problems()).containsEntry("locked", "permission denied");
    }
}
