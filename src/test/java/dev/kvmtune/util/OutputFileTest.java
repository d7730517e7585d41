package dev.kvmtune.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way kvmtune writes an output file: whole or not at all, through a temporary name it created itself. */
class OutputFileTest {
    @TempDir
    Path dir;

    private java.util.List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheWholeFileAndLeavesNoTemporaryName() throws IOException {
        Path out = dir.resolve("graph.svg");
        OutputFile.writeText(out, "first");
        assertThat(Files.readString(out)).isEqualTo("first");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r--r--");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
        OutputFile.writeText(out, "second");
        assertThat(Files.readString(out)).isEqualTo("second");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r-----");
        assertThat(names()).containsExactly("graph.svg");
    }

    @Test
    void aFailedBodyLeavesTheOldFileAndNoTemporaryName() throws IOException {
        Path out = dir.resolve("graph.svg");
        Files.writeString(out, "kept");
        assertThatThrownBy(() -> OutputFile.write(out, o -> {
            o.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk on fire");
        })).isInstanceOf(BadInputException.class).hasMessageContaining("disk on fire");
        assertThat(Files.readString(out)).isEqualTo("kept");
        assertThat(names()).containsExactly("graph.svg");
    }

    @Test
    void theTemporaryFileIsNewAndOnlyItsOwnerCanReadIt() throws IOException {
        Path out = dir.resolve("plan.json");
        String[] seen = new String[2];
        OutputFile.write(out, o -> {
            try (Stream<Path> s = Files.list(dir)) {
                Path tmp = s.filter(p -> p.getFileName().toString().endsWith(".kvmtune-tmp")).findFirst().orElseThrow();
                seen[0] = tmp.getFileName().toString();
                seen[1] = PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp));
            }
            o.write('x');
        });
        assertThat(seen[0]).startsWith(".plan.json.");
        assertThat(seen[1]).isEqualTo("rw-------");
        assertThat(names()).containsExactly("plan.json");
    }

    @Test
    void refusesWhatIsNotARegularFileAndAMissingDirectory() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThatThrownBy(() -> OutputFile.writeText(fifo, "x")).hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> OutputFile.writeText(dir, "x")).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> OutputFile.writeText(dir.resolve("no/such.svg"), "x")).hasMessageContaining("does not exist");
        assertThat(names()).containsExactly("fifo");
    }
}
