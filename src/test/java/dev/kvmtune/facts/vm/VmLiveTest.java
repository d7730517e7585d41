package dev.kvmtune.facts.vm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU processes with different device sets; kvmtune finds each VM, its devices, its threads
 * by role, a vCPU pinned with taskset, and KVM counters over QMP. Every QEMU is stopped afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmLiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;

    private final List<Qemu> running = new ArrayList<>();
    private Qemu legacy;
    private Qemu virtio;
    private Qemu plain;
    private int pinnedTid;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Path img1 = image("legacy.qcow2", "64K", "1G");
        Path img2 = image("virtio.qcow2", "128K", "4G");
        legacy = track(Qemu.start(dir, "kt-legacy", List.of("-m", "128", "-smp", "2",
                "-netdev", "user,id=n0", "-device", "e1000,netdev=n0,id=nic0",
                "-drive", "file=" + img1 + ",format=qcow2,if=ide,cache=writeback,id=hd0")));
        List<String> net = new ArrayList<>(List.of("-netdev", "user,id=n1"));
        if (Files.exists(Path.of("/dev/vhost-net")) && Files.exists(Path.of("/dev/net/tun"))) {
            net = List.of("-netdev", "tap,id=n1,ifname=kttap0,script=no,downscript=no,vhost=on");
        }
        List<String> args = new ArrayList<>(List.of("-m", "128", "-smp", "2", "-object", "iothread,id=io1",
                "-blockdev", "driver=file,filename=" + img2 + ",node-name=f2,aio=native,cache.direct=on",
                "-blockdev", "{\"driver\":\"qcow2\",\"file\":\"f2\",\"node-name\":\"q2\",\"l2-cache-size\":262144}",
                "-device", "virtio-blk-pci,drive=q2,iothread=io1,id=vd0"));
        args.addAll(net);
        args.addAll(List.of("-device", "virtio-net-pci,netdev=n1,id=nic1"));
        virtio = track(Qemu.start(dir, "kt-virtio", args));
        plain = track(Qemu.start(dir, "kt-plain", "kt-plain", List.of("-m", "64", "-smp", "1")));
        pinnedTid = virtio.threadsNamed("CPU 0/" + (virtio.accel().equals("kvm") ? "KVM" : "TCG")).get(0);
        Process ts = new ProcessBuilder(Requires.command("taskset", "util-linux").toString(), "-pc", "0", String.valueOf(pinnedTid)).redirectErrorStream(true).start();
        assertThat(ts.waitFor()).isZero();
    }

    private Qemu track(Qemu q) {
        running.add(q);
        return q;
    }

    private Path image(String name, String cluster, String size) throws Exception {
        Path p = dir.resolve(name);
        Process pr = new ProcessBuilder(Requires.command("qemu-img", "qemu-utils").toString(), "create", "-q", "-f", "qcow2", "-o", "cluster_size=" + cluster, p.toString(), size)
                .redirectErrorStream(true).start();
        assertThat(pr.waitFor()).isZero();
        return p;
    }

    @AfterAll
    void stop() throws InterruptedException {
        for (Qemu q : running) q.close();
    }

    private JsonNode vms(String... extra) throws IOException {
        List<String> a = new ArrayList<>(List.of("vms", "--format", "json"));
        a.addAll(List.of(extra));
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    private static JsonNode byName(JsonNode vms, String name) {
        for (JsonNode v : vms) if (name.equals(v.path("vm").path("name").asText())) return v;
        throw new AssertionError("no VM " + name + " in " + vms);
    }

    @Test
    void findsDevicesOfEachVm() throws IOException {
        JsonNode all = vms();
        JsonNode l = byName(all, "kt-legacy").path("vm");
        assertThat(l.path("pid").asLong()).isEqualTo(legacy.pid());
        assertThat(l.path("nics").get(0).path("model").asText()).isEqualTo("e1000");
        assertThat(l.path("nics").get(0).path("backend").asText()).isEqualTo("user");
        JsonNode hd = l.path("disks").get(0);
        assertThat(hd.path("bus").asText()).isEqualTo("ide");
        assertThat(hd.path("cache").asText()).isEqualTo("writeback");
        assertThat(hd.path("format").asText()).isEqualTo("qcow2");

        JsonNode v = byName(all, "kt-virtio").path("vm");
        JsonNode vd = v.path("disks").get(0);
        assertThat(vd.path("bus").asText()).isEqualTo("virtio-blk");
        assertThat(vd.path("aio").asText()).isEqualTo("native");
        assertThat(vd.path("cache").asText()).isEqualTo("none");
        assertThat(vd.path("iothread").asText()).isEqualTo("io1");
        assertThat(vd.path("l2CacheSize").asLong()).isEqualTo(262144);
        assertThat(vd.path("file").asText()).endsWith("virtio.qcow2");
        assertThat(v.path("iothreads").get(0).asText()).isEqualTo("io1");
        assertThat(v.path("nics").get(0).path("model").asText()).isEqualTo("virtio-net-pci");
        assertThat(v.path("smp").path("cpus").asInt()).isEqualTo(2);
        assertThat(v.path("accel").asText()).isEqualTo(virtio.accel());
    }

    @Test
    void threadsByRoleWithThePin() throws IOException {
        Cli.Result r = Cli.run("threads", "--vm", "kt-virtio", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode threads = JSON.readTree(r.out()).get(0).path("threads");
        List<String> roles = new ArrayList<>();
        for (JsonNode t : threads) roles.add(t.path("role").asText() + (t.has("vcpu") ? t.get("vcpu").asText() : "")
                + (t.has("iothread") ? ":" + t.get("iothread").asText() : ""));
        assertThat(roles).contains("main", "vcpu0", "vcpu1", "iothread:io1");
        for (JsonNode t : threads) {
            if (t.path("tid").asInt() == pinnedTid) {
                assertThat(t.path("role").asText()).isEqualTo("vcpu");
                assertThat(t.path("allowed").asText()).isEqualTo("0");
            }
        }
        Cli.Result text = Cli.run("threads", "--vm", "kt-virtio");
        assertThat(text.out()).contains("vcpu 0", "io io1", "CPU 1/");
    }

    @Test
    void withoutDebugThreadsVcpusComeFromQmp() throws IOException {
        JsonNode v = byName(vms("--vm", "kt-plain"), "kt-plain");
        boolean found = false;
        for (JsonNode t : v.path("threads")) {
            if (t.path("role").asText().equals("vcpu")) {
                assertThat(t.path("roleFrom").asText()).isEqualTo("qmp");
                assertThat(t.path("vcpu").asInt()).isZero();
                found = true;
            }
        }
        assertThat(found).as("vCPU thread told by query-cpus-fast").isTrue();
        assertThat(v.path("qmp").path("name").asText()).isEqualTo("kt-plain");
    }

    @Test
    void qmpStatsMoveUnderKvm() throws Exception {
        Requires.kvm("query-stats has KVM counters only under KVM");
        Requires.machine(virtio.accel().equals("kvm"), "QEMU could not run under this machine's KVM and fell back to TCG: query-stats has KVM counters only under KVM");
        long first = totalExits(byName(vms("--vm", "kt-legacy"), "kt-legacy"));
        Thread.sleep(500);
        long second = totalExits(byName(vms("--vm", "kt-legacy"), "kt-legacy"));
        assertThat(first).isPositive();
        assertThat(second).isGreaterThanOrEqualTo(first);
    }

    private static long totalExits(JsonNode vm) {
        long sum = 0;
        for (JsonNode cpu : vm.path("qmp").path("vcpuStats")) sum += cpu.path("exits").asLong();
        return sum;
    }

    @Test
    void auditFindsTheEmulatedDevices() throws IOException {
        Cli.Result r = Cli.run("audit", "--profile", "virtual-host", "--vm", "kt-legacy", "--format", "json", "--fail-on", "fail");
        JsonNode findings = JSON.readTree(r.out()).path("findings");
        assertThat(severity(findings, "vm.nic.virtio")).isEqualTo("warn");
        assertThat(severity(findings, "vm.disk.virtio")).isEqualTo("warn");
        assertThat(severity(findings, "vm.disk.cache_mode")).isEqualTo("info");
        Cli.Result v = Cli.run("audit", "--profile", "virtual-host", "--vm", "kt-virtio", "--format", "json");
        JsonNode vf = JSON.readTree(v.out()).path("findings");
        assertThat(severity(vf, "vm.nic.virtio")).isEqualTo("pass");
        assertThat(severity(vf, "vm.disk.virtio")).isEqualTo("pass");
        assertThat(severity(vf, "vm.disk.aio_native_direct")).isEqualTo("pass");
        assertThat(severity(vf, "vm.qcow2.l2_cache")).isEqualTo("pass");
        Cli.Result none = Cli.run("audit", "--vm", "no-such-vm");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no VM named no-such-vm");
    }

    private static String severity(JsonNode findings, String id) {
        for (JsonNode f : findings) if (f.path("id").asText().equals(id)) return f.path("severity").asText();
        throw new AssertionError("no finding " + id);
    }

    @Test
    void snapshotGivesTheSameVms() throws IOException {
        Path snap = dir.resolve("host.tar.gz");
        Cli.Result c = Cli.run("capture", "-o", snap.toString());
        assertThat(c.exit()).as(c.err()).isZero();
        JsonNode live = vms("--no-qmp");
        JsonNode fromSnap = vms("--snapshot", snap.toString());
        for (String name : List.of("kt-legacy", "kt-virtio", "kt-plain")) {
            JsonNode a = byName(live, name);
            JsonNode b = byName(fromSnap, name);
            assertThat(b.path("vm")).isEqualTo(a.path("vm"));
            assertThat(roles(b)).isEqualTo(roles(a));
        }
        // the audit of the snapshot still sizes the qcow2 L2 cache: capture kept the image header
        Cli.Result audit = Cli.run("audit", "--snapshot", snap.toString(), "--profile", "virtual-host", "--vm", "kt-virtio", "--format", "json");
        assertThat(severity(JSON.readTree(audit.out()).path("findings"), "vm.qcow2.l2_cache")).isEqualTo("pass");
    }

    @Test
    void hugetlbfsBackingIsSeen() throws Exception {
        Requires.root("reserving hugepages and mounting hugetlbfs need root");
        Path nr = Path.of("/proc/sys/vm/nr_hugepages");
        String before = sysctl(nr);
        Path mnt = Files.createDirectories(dir.resolve("huge"));
        try {
            Files.writeString(nr, String.valueOf(Integer.parseInt(before) + 40));
            Requires.machine(Integer.parseInt(sysctl(nr)) >= Integer.parseInt(before) + 40, "the kernel could not reserve 40 free 2 MiB pages (memory too fragmented)");
            assertThat(run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", mnt.toString())).isZero();
            try (Qemu q = Qemu.start(dir, "kt-huge", List.of("-m", "64", "-mem-path", mnt.toString(), "-mem-prealloc",
                    "-overcommit", "mem-lock=on"))) {
                JsonNode m = byName(vms("--vm", "kt-huge", "--no-qmp"), "kt-huge").path("vm").path("memory");
                assertThat(m.path("hugepages").asBoolean()).isTrue();
                assertThat(m.path("pageSize").asLong()).isEqualTo(2L << 20);
                assertThat(m.path("memPath").asText()).isEqualTo(mnt.toString());
                assertThat(m.path("prealloc").asBoolean()).isTrue();
                assertThat(m.path("locked").asBoolean()).isTrue();
                Cli.Result r = Cli.run("audit", "--profile", "realtime-virtual-host", "--isolated", "1", "--vm", "kt-huge", "--format", "json");
                JsonNode f = JSON.readTree(r.out()).path("findings");
                assertThat(severity(f, "vm.memory.hugepages")).isEqualTo("pass");
                assertThat(severity(f, "vm.memory.locked")).isEqualTo("pass");
            }
        } finally {
            run("umount", mnt.toString());
            Files.writeString(nr, before);
        }
    }

    /** One large read: sysctl files answer nothing to a read at a non-zero offset, which Files.readString makes. */
    private static String sysctl(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return new String(in.readNBytes(256), java.nio.charset.StandardCharsets.US_ASCII).strip();
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** Thread ids with roles; QEMU's thread-pool workers come and go between two reads, so they are left out. */
    private static List<String> roles(JsonNode vm) {
        List<String> out = new ArrayList<>();
        for (JsonNode t : vm.path("threads")) {
            if (!t.path("role").asText().equals("worker")) out.add(t.path("tid").asText() + t.path("role").asText());
        }
        return out;
    }
}
