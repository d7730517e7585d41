package dev.kvmtune.facts.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.source.DirectoryRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Odd trees: an offline CPU has no topology directory, and there is no NUMA directory at all. */
class CpuTopologyReaderTest {
    @TempDir
    Path tmp;

    void put(String path, String text) throws IOException {
        dev.kvmtune.testing.Trees.put(tmp, path, text);
    }

    void cpu(int n, int core, String siblings) throws IOException {
        String d = "sys/devices/system/cpu/cpu" + n + "/topology/";
        put(d + "physical_package_id", "0\n");
        put(d + "core_id", core + "\n");
        put(d + "thread_siblings_list", siblings + "\n");
        put("sys/devices/system/cpu/cpu" + n + "/cache/index0/level", "1\n");
        put("sys/devices/system/cpu/cpu" + n + "/cache/index0/type", "Data\n");
        put("sys/devices/system/cpu/cpu" + n + "/cache/index0/size", "48K\n");
        put("sys/devices/system/cpu/cpu" + n + "/cache/index0/shared_cpu_list", siblings + "\n");
    }

    @Test
    void offlineCpuAndNoNuma() throws IOException {
        put("sys/devices/system/cpu/online", "0,2-3\n");
        put("sys/devices/system/cpu/offline", "1\n");
        put("sys/devices/system/cpu/present", "0-3\n");
        cpu(0, 0, "0");
        put("sys/devices/system/cpu/cpu1/online", "0\n");
        cpu(2, 1, "2-3");
        cpu(3, 1, "2-3");
        DirectoryRoot root = DirectoryRoot.of(tmp);
        var lists = CpuTopologyReader.readLists(root);
        List<CpuTopology> cpus = CpuTopologyReader.read(root, lists.online().value());
        assertThat(cpus).extracting(CpuTopology::cpu).containsExactly(0, 1, 2, 3);
        CpuTopology off = cpus.get(1);
        assertThat(off.online()).isFalse();
        assertThat(off.coreId()).isEqualTo(-1);
        assertThat(off.node()).as("no NUMA directory: unknown, not node 0").isEqualTo(-1);
        assertThat(lists.possible().status()).isEqualTo(dev.kvmtune.facts.source.Sourced.Status.MISSING);

        CpuSummary s = CpuSummary.of(cpus, null);
        assertThat(s.onlineCpus()).isEqualTo(3);
        assertThat(s.sockets()).isEqualTo(1);
        assertThat(s.coresPerSocket()).isEqualTo(2);
        assertThat(s.smtActive()).isTrue();
        assertThat(s.caches()).containsExactly(new CpuSummary.CacheTotal("L1d", 2L * 48 * 1024, 2));
    }

    @Test
    void treeLinksLeavingTheRootAreNotFollowed() throws IOException {
        Path outside = Files.createTempFile("kvmtune-outside", ".txt");
        try {
            Files.writeString(outside, "secret");
            Files.createDirectories(tmp.resolve("proc"));
            Files.createSymbolicLink(tmp.resolve("proc/cmdline"), outside);
            DirectoryRoot root = DirectoryRoot.of(tmp);
            assertThat(root.read("proc/cmdline")).isEmpty();
            assertThat(root.problems()).containsEntry("proc/cmdline", "link leads outside the tree");
        } finally {
            Files.deleteIfExists(outside);
        }
    }
}
