package dev.kvmtune.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real QEMU guests of 64 MiB started by the test, one backed by hugetlbfs (after reserving pages on a
 * hugetlbfs mount of the test's own) and one by plain RAM, both preallocated: mem --by vm shows the
 * first's RAM as hugetlb and the second's in RSS, each on the host's node. The reservation and the mount
 * are undone afterwards.
 */
class VmMemoryLiveTest {
    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");

    @Test
    void hugepageAndPlainGuestsAreToldApart(@TempDir Path tmp) throws Exception {
        Requires.root("reserving hugepages and mounting hugetlbfs");
        Requires.machine(Files.exists(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB")), "no 2 MiB hugepages on this kernel");
        String before = Files.readString(NR_HUGEPAGES).strip();
        Path mnt = tmp.resolve("hugetlbfs");
        Files.createDirectories(mnt);
        run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", mnt.toString());
        try {
            Files.writeString(NR_HUGEPAGES, Long.toString(Long.parseLong(before) + 80));
            Requires.machine(Long.parseLong(Files.readString(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")).strip()) >= 64,
                    "the kernel could not reserve 64 free 2 MiB pages");
            try (Qemu huge = Qemu.start(tmp, "memvm-huge", List.of("-m", "64M", "-machine", "pc,memory-backend=m0",
                    "-object", "memory-backend-file,id=m0,size=64M,mem-path=" + mnt + ",share=on,prealloc=on"));
                 Qemu plain = Qemu.start(tmp, "memvm-plain", List.of("-m", "64M", "-machine", "pc,memory-backend=m1",
                         "-object", "memory-backend-ram,id=m1,size=64M,prealloc=on"));
                 Qemu lazy = Qemu.start(tmp, "memvm-lazy", List.of("-S", "-m", "64M", "-machine", "pc,memory-backend=m2",
                         "-object", "memory-backend-file,id=m2,size=64M,mem-path=" + mnt + ",share=on"))) {
                // audit: the preallocated guest has all its RAM in hugepages; the one without prealloc, stopped
                // before its firmware ran, has not faulted them in
                Cli.Result a = Cli.run("audit", "--profile", "virtual-host", "--format", "json");
                java.util.Map<String, String> verdicts = new java.util.TreeMap<>();
                for (JsonNode f : new ObjectMapper().readTree(a.out()).path("findings")) {
                    if (f.path("id").asText().equals("vm.memory.hugetlb_matches_ram")) verdicts.put(f.path("title").asText().split(":")[0], f.path("severity").asText());
                }
                assertThat(verdicts).as(a.out()).containsEntry("memvm-huge", "pass").containsEntry("memvm-lazy", "warn").doesNotContainKey("memvm-plain");
                Cli.Result r = Cli.run("mem", "--by", "vm", "--format", "json");
                assertThat(r.exit()).as(r.err()).isZero();
                JsonNode h = null;
                JsonNode p = null;
                for (JsonNode n : new ObjectMapper().readTree(r.out()).path("rows")) {
                    if (n.path("pid").asLong() == huge.pid()) h = n;
                    if (n.path("pid").asLong() == plain.pid()) p = n;
                }
                assertThat(h).as(r.out()).isNotNull();
                assertThat(p).as(r.out()).isNotNull();
                assertThat(h.path("vm").asText()).isEqualTo("memvm-huge");
                assertThat(h.path("guestKb").asLong()).isEqualTo(65536);
                assertThat(h.path("backing").asText()).startsWith("hugetlb");
                assertThat(h.path("hugetlbKb").asLong()).as("the guest's RAM is all in hugetlb").isEqualTo(65536);
                assertThat(h.path("rssKb").asLong()).as("and not in RSS").isLessThan(65536);
                assertThat(p.path("backing").asText()).isEqualTo("ram");
                assertThat(p.path("hugetlbKb").asLong()).isZero();
                assertThat(p.path("rssKb").asLong()).as("the plain guest's RAM is in RSS").isGreaterThanOrEqualTo(65536);
                // each guest's memory on the nodes of its vCPUs: on this host's single node, all of it on node 0
                String node = String.valueOf(Files.list(Path.of("/sys/devices/system/node")).map(x -> x.getFileName().toString())
                        .filter(x -> x.matches("node\\d+")).count() == 1 ? 0 : -1);
                if (node.equals("0")) {
                    for (JsonNode n : List.of(h, p)) {
                        assertThat(n.path("vcpuNodes").asText()).isEqualTo("0");
                        assertThat(n.path("memNodes").asText()).startsWith("0:");
                        assertThat(n.path("local").asDouble()).isEqualTo(100.0);
                    }
                }
                assertThat(h.path("memNodes").asText().substring(2)).satisfies(kb -> assertThat(Long.parseLong(kb)).isGreaterThanOrEqualTo(65536));
                Cli.Result text = Cli.run("mem", "--by", "vm", "--filter-process", "memvm-");
                assertThat(text.out()).contains("memvm-huge").contains("memvm-plain").contains("hugetlb 2M");
            }
        } finally {
            Files.writeString(NR_HUGEPAGES, before);
            run("umount", mnt.toString());
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", cmd) + ": " + out).isTrue();
    }

    /** KSM on beside a realtime VM (its vCPU thread SCHED_FIFO) is a finding; off, it passes. KSM's state is restored. */
    @Test
    void ksmBesideARealtimeVmIsAFinding(@TempDir Path tmp) throws Exception {
        Requires.root("switching KSM and making a vCPU thread SCHED_FIFO");
        Path run = Path.of("/sys/kernel/mm/ksm/run");
        Requires.machine(Files.isWritable(run), "no KSM in this kernel");
        String before = Files.readString(run).strip();
        try (Qemu q = Qemu.start(tmp, "memvm-rt", List.of("-S", "-m", "32M"))) {
            String vcpu = null;
            for (Path t : Files.list(Path.of("/proc/" + q.pid() + "/task")).toList()) {
                if (Files.readString(t.resolve("comm")).strip().startsWith("CPU 0/")) vcpu = t.getFileName().toString();
            }
            assertThat(vcpu).as("the vCPU thread, named by debug-threads=on").isNotNull();
            Process chrt = new ProcessBuilder("chrt", "-f", "-p", "1", vcpu).redirectErrorStream(true).start();
            String why = new String(chrt.getInputStream().readAllBytes());
            Requires.machine(chrt.waitFor(10, TimeUnit.SECONDS) && chrt.exitValue() == 0, "SCHED_FIFO refused here: " + why);
            Files.writeString(run, "1");
            assertThat(ksmVerdict()).isEqualTo("warn");
            Files.writeString(run, "0");
            assertThat(ksmVerdict()).isEqualTo("pass");
        } finally {
            Files.writeString(run, before);
        }
    }

    private static String ksmVerdict() throws Exception {
        Cli.Result a = Cli.run("audit", "--profile", "realtime-virtual-host", "--format", "json");
        for (JsonNode f : new ObjectMapper().readTree(a.out()).path("findings")) {
            if (f.path("id").asText().equals("memory.ksm.off_with_realtime_vms")) return f.path("severity").asText();
        }
        throw new AssertionError("no KSM finding in: " + a.out());
    }
}
