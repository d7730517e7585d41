package dev.kvmtune.facts.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kvmtune.BadInputException;
import dev.kvmtune.testing.Golden;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;

/** Opening a snapshot is the security boundary: hostile archives are refused, exit code 2. */
class SnapshotRootTest {
    static final String META = "{\"format\":1,\"tool\":\"test\",\"unreadable\":{\"proc/1/environ\":\"permission denied\"}}";

    /** Builds a tar.gz in memory from (type, name, content-or-link) triples. */
    static byte[] tar(Object... spec) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < spec.length; i += 3) {
                char type = (char) spec[i];
                String name = (String) spec[i + 1];
                String value = (String) spec[i + 2];
                TarArchiveEntry e;
                switch (type) {
                    case 'f' -> {
                        byte[] d = value.getBytes(StandardCharsets.UTF_8);
                        e = new TarArchiveEntry(name, true);
                        e.setSize(d.length);
                        t.putArchiveEntry(e);
                        t.write(d);
                        t.closeArchiveEntry();
                        continue;
                    }
                    case 'd' -> e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
                    case 'l' -> {
                        e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        e.setLinkName(value);
                    }
                    case 'h' -> {
                        e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
                        e.setLinkName(value);
                    }
                    case 'c' -> e = new TarArchiveEntry(name, TarArchiveEntry.LF_CHR);
                    case 'p' -> e = new TarArchiveEntry(name, TarArchiveEntry.LF_FIFO);
                    default -> throw new IllegalArgumentException(String.valueOf(type));
                }
                t.putArchiveEntry(e);
                t.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static SnapshotRoot open(byte[] b) {
        return SnapshotRoot.open(new ByteArrayInputStream(b), "test.tar.gz");
    }

    @Test
    void resolvesLinksListsAndReportsProblems() throws IOException {
        SnapshotRoot r = open(tar(
                'f', SnapshotMetadata.FILE_NAME, META,
                'f', "sys/devices/virtual/block/vda/queue/scheduler", "[none] mq-deadline\n",
                'l', "sys/block/vda", "../devices/virtual/block/vda",
                'd', "sys/block/empty", "",
                'f', "proc/cmdline", "quiet\n"));
        assertThat(r.read("sys/block/vda/queue/scheduler")).contains("[none] mq-deadline\n");
        assertThat(r.list("sys/block")).containsExactly("empty", "vda");
        assertThat(r.readLink("sys/block/vda")).contains("../devices/virtual/block/vda");
        assertThat(r.isDirectory("sys/block/vda")).isTrue();
        assertThat(r.read("proc/missing")).isEmpty();
        assertThat(r.list("proc/cmdline")).isEmpty();
        assertThat(r.problems()).containsKey("proc/1/environ");
        assertThat(r.isLive()).isFalse();
        assertThat(r.read("sys/block/../../proc/cmdline")).as("lexical .. stays inside").contains("quiet\n");
    }

    @Test
    void refusesAbsoluteNames() throws IOException {
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "/etc/passwd", "x"), "absolute path");
    }

    @Test
    void refusesTraversal() throws IOException {
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "proc/../../etc/passwd", "x"), "'..'");
    }

    @Test
    void refusesLinksLeavingTheTree() throws IOException {
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'l', "sys/x", "../../etc"), "outside the snapshot");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'l', "sys/x", "/etc/passwd"), "absolute target");
    }

    @Test
    void refusesHardLinksDevicesAndFifos() throws IOException {
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'h', "a", "kvmtune-snapshot.json"), "hard links");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'c', "dev/null", ""), "device files");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'p', "fifo", ""), "device files");
    }

    @Test
    void refusesOversizeEntries() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            TarArchiveEntry e = new TarArchiveEntry("big");
            e.setSize(SnapshotRoot.MAX_ENTRY_BYTES + 1);
            t.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (long left = e.getSize(); left > 0; left -= Math.min(left, zeros.length)) {
                t.write(zeros, 0, (int) Math.min(left, zeros.length));
            }
            t.closeArchiveEntry();
        }
        assertRefused(bytes.toByteArray(), "exceeds");
    }

    /** Hostile shapes are refused at their first entry, in bounded time and memory (each was once minutes and gigabytes). */
    @Test
    void refusesDeepLongDuplicateAndSparseEntries() throws IOException {
        Path hostile = Golden.resources().resolve("snapshots/hostile");
        byte[] deep = Files.readAllBytes(hostile.resolve("deep-80000.tar.gz"));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertRefused(deep, "exceeds the 4096-character limit"));
        String justTooDeep = "d/".repeat(SnapshotRoot.MAX_DEPTH) + "f";
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', justTooDeep, "x"), "deeper than 64 directories");
        byte[] nested = Files.readAllBytes(hostile.resolve("nested-3000-dirs.tar.gz"));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertRefused(nested, "deeper than 64 directories"));
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "x".repeat(256), "1"), "longer than 255");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "proc/cmdline", "a", 'f', "proc/cmdline", "b"), "appears twice");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', SnapshotMetadata.FILE_NAME, META), "appears twice");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            TarArchiveEntry e = new TarArchiveEntry("sparse", TarArchiveEntry.LF_GNUTYPE_SPARSE);
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        }
        assertRefused(bytes.toByteArray(), "sparse entries are not accepted");
        // the deepest real paths pass
        String real = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/virtio3/block/vda/queue/scheduler";
        assertThat(open(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', real, "[none]")).read(real)).contains("[none]");
    }

    @Test
    void refusesGarbageTruncationAndForeignArchives() throws IOException {
        assertRefused("this is not an archive".getBytes(StandardCharsets.UTF_8), "not a readable snapshot");
        byte[] good = tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "proc/cmdline", "x".repeat(5000));
        assertRefused(Arrays.copyOf(good, good.length / 2), "test.tar.gz");
        assertRefused(tar('f', "proc/cmdline", "quiet"), "not a kvmtune snapshot");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, "{not json"), "is not valid");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, "{\"format\":99}"), "newer");
        assertRefused(tar('f', SnapshotMetadata.FILE_NAME, META, 'f', "a", "1", 'f', "a/b", "2"), "both a directory");
    }

    @Test
    void linkLoopsResolveToNothing() throws IOException {
        SnapshotRoot r = open(tar('f', SnapshotMetadata.FILE_NAME, META, 'l', "a", "b", 'l', "b", "a"));
        assertThat(r.read("a")).isEmpty();
        assertThat(r.exists("a/x")).isFalse();
    }

    private static void assertRefused(byte[] archive, String message) {
        assertThatThrownBy(() -> open(archive)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("test.tar.gz").hasMessageContaining(message);
    }

    /** Fuzz: flipping bytes of a valid snapshot either still opens or is refused cleanly. */
    @Property(tries = 300)
    void corruptedArchivesFailCleanly(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int seed) throws IOException {
        byte[] b = tar('f', SnapshotMetadata.FILE_NAME, META, 'l', "sys/block/vda", "../devices/vda",
                'f', "sys/devices/vda/queue/scheduler", "[none]", 'f', "proc/cmdline", "quiet");
        Random rnd = new Random(seed);
        int flips = 1 + rnd.nextInt(8);
        for (int i = 0; i < flips; i++) b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
        try {
            SnapshotRoot r = open(b);
            r.read("sys/block/vda/queue/scheduler");
            r.list("sys");
        } catch (BadInputException expected) {
            assertThat(expected.getMessage()).startsWith("test.tar.gz");
        }
    }
}
