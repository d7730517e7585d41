package dev.kvmtune.facts.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code kvmtune mem} side by side with Debian's smem on the same live process. The process is a
 * statically linked busybox, stopped with SIGSTOP: it shares no library with the two readers, so its
 * PSS does not move when smem's python or the test's JVM map libc, and both read the same pages.
 */
class ProcessMemoryLiveTest {
    @Test
    void perProcessSwapUssPssRssAreSmems() throws Exception {
        String smem = Requires.command("smem", "smem").toString();
        String busybox = Requires.command("busybox", "busybox-static").toString();
        String marker = "sleep 612";
        Process sleeper = new ProcessBuilder(busybox, "sleep", "612").start();
        try {
            long pid = sleeper.pid();
            Thread.sleep(300);
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
            Process s = new ProcessBuilder(smem, "-H", "-c", "pid uss pss rss swap", "-P", marker).redirectErrorStream(true).start();
            String smemOut = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(s.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Map<String, Long> expected = new HashMap<>();
            for (String line : smemOut.split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 5 && f[0].equals(Long.toString(pid))) {
                    expected.put("ussKb", Long.parseLong(f[1]));
                    expected.put("pssKb", Long.parseLong(f[2]));
                    expected.put("rssKb", Long.parseLong(f[3]));
                    expected.put("swapKb", Long.parseLong(f[4]));
                }
            }
            assertThat(expected).as("smem's line for pid %d in:%n%s", pid, smemOut).hasSize(4);

            Cli.Result r = Cli.run("mem", "--filter-process", marker, "--format", "json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode row = null;
            for (JsonNode n : new ObjectMapper().readTree(r.out()).path("rows")) if (n.path("pid").asLong() == pid) row = n;
            assertThat(row).as(r.out()).isNotNull();
            Map<String, Long> got = new HashMap<>();
            for (String k : expected.keySet()) got.put(k, row.path(k).asLong());
            assertThat(got).isEqualTo(expected);
            assertThat(row.path("hugetlbKb").asLong()).as("a plain process has no hugetlb pages").isZero();

            // --cheap: RSS and swap from status, no PSS or USS (absent, not zero)
            Cli.Result cheap = Cli.run("mem", "--cheap", "--filter-process", marker, "--format", "json");
            JsonNode c = new ObjectMapper().readTree(cheap.out()).path("rows").get(0);
            assertThat(c.path("rssKb").asLong()).isEqualTo(expected.get("rssKb"));
            assertThat(c.has("pssKb")).isFalse();
            assertThat(c.has("ussKb")).isFalse();
        } finally {
            sleeper.destroyForcibly();
            new ProcessBuilder("kill", "-CONT", Long.toString(sleeper.pid())).start();
        }
    }

    /** capture records what mem reads, so that mem of the snapshot answers as mem of the host did (seed 000's smemcap). */
    @Test
    void snapshotsCarryWhatMemReads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path snap = tmp.resolve("host.tar.gz");
        Cli.Result c = Cli.run("capture", "-o", snap.toString());
        assertThat(c.exit()).as(c.err()).isZero();
        Cli.Result r = Cli.run("mem", "--snapshot", snap.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out()).path("rows");
        long self = ProcessHandle.current().pid();
        JsonNode me = null;
        for (JsonNode n : rows) if (n.path("pid").asLong() == self) me = n;
        assertThat(me).as("this test's JVM in mem of the snapshot").isNotNull();
        assertThat(me.path("pssKb").asLong()).isPositive();
        assertThat(me.path("ussKb").asLong()).isPositive().isLessThanOrEqualTo(me.path("rssKb").asLong());
    }

    @Test
    void badOptionsAreOneLine() throws IOException {
        assertThat(Cli.run("mem", "--sort", "size").err()).contains("--sort: unknown column size for --by process; known: pid, user, name, command, swap, uss, pss");
        assertThat(Cli.run("mem", "--by", "maps").err()).contains("--by takes process, user, mapping, vm, node, system, not maps");
        assertThat(Cli.run("mem", "--columns", "pid,bogus").exit()).isEqualTo(2);
        assertThat(Cli.run("mem", "--pie", "name").err()).contains("--pie writes an SVG file: name it with -o");
        assertThat(Cli.run("mem", "--cheap", "--by", "mapping").err()).contains("--cheap reads no mappings");
        assertThat(Cli.run("mem", "--count", "2").err()).contains("--count goes with --interval");
        assertThat(Cli.run("mem", "--realmem", "lots").err()).contains("--realmem takes a size such as 24G, not lots");
        assertThat(Cli.run("mem", "--filter-process", "(").err()).contains("--filter-process: not a regular expression");
    }

    /** smaps_rollup is smaps summed: on a stopped process, every size of the rollup equals its mappings' sum. */
    @Test
    void rollupIsSmapsSummed() throws Exception {
        String busybox = Requires.command("busybox", "busybox-static").toString();
        Process sleeper = new ProcessBuilder(busybox, "sleep", "613").start();
        try {
            Thread.sleep(300);
            new ProcessBuilder("kill", "-STOP", Long.toString(sleeper.pid())).start().waitFor(5, TimeUnit.SECONDS);
            java.nio.file.Path dir = java.nio.file.Path.of("/proc/" + sleeper.pid());
            Map<String, Long> rollup = Smaps.kbFields(java.nio.file.Files.readString(dir.resolve("smaps_rollup")));
            var maps = Smaps.parse(java.nio.file.Files.readString(dir.resolve("smaps")));
            Map<String, Long> summed = Smaps.totals(maps);
            assertThat(maps).hasSizeGreaterThan(3);
            assertThat(rollup).containsKeys("Rss", "Pss", "Private_Clean", "Private_Dirty", "Swap");
            // Pss_Anon, Pss_File, Pss_Shmem and Pss_Dirty are the rollup's own split of Pss: no mapping has them
            for (String k : rollup.keySet()) {
                if (k.startsWith("Pss_")) continue;
                assertThat(summed.get(k)).as(k).isEqualTo(rollup.get(k));
            }
        } finally {
            sleeper.destroyForcibly();
            new ProcessBuilder("kill", "-CONT", Long.toString(sleeper.pid())).start();
        }
    }

    /**
     * A process whose smaps_rollup does not answer (a huge VM's page-table walk) holds the reading up no
     * longer than the bound: its sizes come from status with a note, the others are read as usual.
     */
    @Test
    void oneSlowProcessCostsAtMostTheBound() throws Exception {
        long self = ProcessHandle.current().pid();
        String slow = "proc/" + self + "/smaps_rollup";
        dev.kvmtune.facts.source.Root live = dev.kvmtune.facts.source.DirectoryRoot.live();
        dev.kvmtune.facts.source.Root stuck = new dev.kvmtune.facts.source.Root() {
            public java.util.Optional<String> read(String path) {
                if (path.equals(slow)) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return live.read(path);
            }

            public java.util.Optional<byte[]> readBytes(String path) {
                return live.readBytes(path);
            }

            public java.util.List<String> list(String dir) {
                return live.list(dir);
            }

            public boolean exists(String path) {
                return live.exists(path);
            }

            public boolean isDirectory(String path) {
                return live.isDirectory(path);
            }

            public java.util.Optional<String> readLink(String path) {
                return live.readLink(path);
            }

            public Map<String, String> problems() {
                return live.problems();
            }

            public String describe() {
                return "/";
            }

            public boolean isLive() {
                return true;
            }
        };
        long t0 = System.nanoTime();
        var reading = ProcessMemoryReader.read(stuck, new ProcessMemoryReader.Options(ProcessMemoryReader.Depth.ROLLUP, false, false, false, false,
                java.time.Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("the reading ends long before the stuck read would").isLessThan(30_000);
        ProcessMemory me = reading.processes().stream().filter(p -> p.pid() == self).findFirst().orElseThrow();
        assertThat(me.note()).contains("smaps_rollup gave no answer within 300 ms; from status");
        assertThat(me.source()).isEqualTo("proc/" + self + "/status");
        assertThat(me.get(MemColumn.RSS)).isPositive();
        assertThat(me.get(MemColumn.PSS)).isNull();
        assertThat(reading.notes()).anyMatch(n -> n.startsWith("pid " + self + ": no answer from its smaps within 300 ms"));
        assertThat(reading.processes().stream().filter(p -> p.pid() != self && p.get(MemColumn.PSS) != null).count()).isPositive();
    }
}
