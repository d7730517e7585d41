package dev.kvmtune.facts.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** qcow2 headers of images made by the real qemu-img, and the cache sizes seed 000 derives from them. */
class Qcow2Test {
    @TempDir
    Path tmp;

    private Path image(String cluster, String size, String... extra) throws Exception {
        Path p = tmp.resolve("img-" + cluster + "-" + size + ".qcow2");
        String opts = "cluster_size=" + cluster + (extra.length > 0 ? "," + String.join(",", extra) : "");
        Process pr = new ProcessBuilder(Requires.command("qemu-img", "qemu-utils").toString(), "create", "-q", "-f", "qcow2", "-o", opts, p.toString(), size)
                .redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertThat(pr.waitFor()).as(out).isZero();
        return p;
    }

    private static Qcow2 header(Path p) throws Exception {
        try (InputStream in = Files.newInputStream(p)) {
            return Qcow2.parse(in.readNBytes(Qcow2.HEADER_BYTES), p.toString());
        }
    }

    @ParameterizedTest
    @CsvSource({
        // cluster, size, cluster bits, l2 cache for the whole disk (size / cluster * 8, in whole clusters, >= 2 clusters)
        "64K, 8G, 16, 1048576",      // seed 000: QEMU's old 1 MiB default covers 8 GiB
        "64K, 100G, 16, 13107200",   // 100 * 131072: seed 000's disk_size_GB * 131072
        "128K, 4G, 17, 262144",      // seed 000's cluster_size=128K example
        "2M, 1T, 21, 4194304",
        "512, 1M, 9, 16384",         // 2048 entries * 8 bytes, 32 clusters
        "64K, 100M, 16, 131072",     // 1600 entries = 12800 bytes, rounded up to 2 clusters (QEMU's minimum)
    })
    void cacheSizesFromRealImages(String cluster, String size, int bits, long l2) throws Exception {
        Qcow2 q = header(image(cluster, size));
        assertThat(q.version()).isEqualTo(3);
        assertThat(q.clusterBits()).isEqualTo(bits);
        assertThat(q.l2CacheFull()).isEqualTo(l2);
        assertThat(q.l2CacheFull() % q.clusterSize()).isZero();
        assertThat(q.refcountCache() % q.clusterSize()).isZero();
        assertThat(q.refcountCache()).isGreaterThanOrEqualTo(4 * q.clusterSize());
        assertThat(q.coveredBy(q.l2CacheFull())).isEqualTo(q.virtualSize());
    }

    @Test
    void extendedL2AndRefcountWidthAndVersion2() throws Exception {
        Qcow2 ext = header(image("64K", "8G", "extended_l2=on"));
        assertThat(ext.extendedL2()).isTrue();
        assertThat(ext.l2CacheFull()).isEqualTo(2L << 20); // 16-byte entries
        assertThat(header(image("64K", "1G", "refcount_bits=64")).refcountBits()).isEqualTo(64);
        Qcow2 v2 = header(image("64K", "1G", "compat=0.10"));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.refcountBits()).isEqualTo(16);
    }

    @Test
    void commandPrintsTheDriveOptions() throws Exception {
        Path img = image("128K", "4G");
        Cli.Result r = Cli.run("qcow2", img.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("-drive file=" + img + ",l2-cache-size=262144,refcount-cache-size=524288");
        Cli.Result j = Cli.run("qcow2", img.toString(), "--format", "json");
        assertThat(new ObjectMapper().readTree(j.out()).path("l2CacheSize").asLong()).isEqualTo(262144);
        Path raw = tmp.resolve("raw.img");
        Files.write(raw, new byte[4096]);
        Cli.Result bad = Cli.run("qcow2", raw.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains(raw + ": not a qcow2 image");
        assertThat(Cli.run("qcow2", tmp.resolve("none").toString()).err()).contains("no such file");
    }

    @Test
    void truncatedHeadersAreBadInput() throws Exception {
        byte[] head;
        try (InputStream in = Files.newInputStream(image("64K", "1G"))) {
            head = in.readNBytes(Qcow2.HEADER_BYTES);
        }
        for (int n = 0; n < 100; n++) {
            byte[] cut = Arrays.copyOf(head, n);
            assertThatThrownBy(() -> Qcow2.parse(cut, "cut.qcow2")).isInstanceOf(BadInputException.class).hasMessageStartingWith("cut.qcow2");
        }
        byte[] badBits = head.clone();
        badBits[23] = 40;
        assertThatThrownBy(() -> Qcow2.parse(badBits, "b.qcow2")).hasMessageContaining("cluster_bits 40");
    }

    @Property(tries = 1000)
    void garbageAfterTheMagicIsBadInputOrAHeader(@ForAll byte[] tail) {
        byte[] b = new byte[4 + tail.length];
        b[0] = 'Q';
        b[1] = 'F';
        b[2] = 'I';
        b[3] = (byte) 0xfb;
        System.arraycopy(tail, 0, b, 4, tail.length);
        try {
            Qcow2 q = Qcow2.parse(b, "g");
            assertThat(q.l2CacheFull()).isPositive();
            assertThat(q.refcountCache()).isPositive();
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("g:");
        }
    }
}
