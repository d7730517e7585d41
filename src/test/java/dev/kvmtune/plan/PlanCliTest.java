package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvmtune plan} refusing what it cannot do: one line naming the input or the short resource, exit 2, no files. */
class PlanCliTest {
    static final String SNAP = "src/test/resources/roots/nested-kvm-2cpu/snapshot.tar.gz";

    static void refused(Cli.Result r, String... says) {
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains(says);
    }

    @Test
    void aRealtimeVmTooLargeForTheHostNamesTheCores(@TempDir Path out) {
        Cli.Result r = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=4,memory=2G,rt", "--out", out.toString());
        refused(r, "VM rt1 needs 4 isolated cores", "node 0 cores: 1 free of 2 (1 kept for housekeeping)");
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void memoryBeyondTheNodeNamesTheMemory() {
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=1,memory=4G,rt"), "memory: ", "free for hugepages");
    }

    @Test
    void impossibleRequestsAreRefused() {
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=big,vcpus=1,memory=100T"), "VM big asks for 102400 GiB of memory; the host has");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1G,name=b"), "name= is given twice");
        Cli.Result half = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1.5G", "--format", "json");
        assertThat(half.exit()).as(half.err()).isZero();
        assertThat(half.out()).contains("\"memoryKb\" : 1572864");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1.3K"), "is not a size of at least 2M");
        refused(Cli.run("plan", "--snapshot", SNAP, "--format", "markdown", "--vm", "name=a,vcpus=1,memory=1G"), "--format markdown: plan prints text or json");
    }

    @Test
    void aRealtimeVmNeedsAnIsolatingProfile() {
        refused(Cli.run("plan", "--snapshot", SNAP, "--profile", "virtual-host", "--vm", "name=rt1,vcpus=1,memory=1G,rt"),
                "does not isolate CPUs");
    }

    @Test
    void badVmSpecsAndOptions() {
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=-1,memory=1G"), "vcpus=-1 is not a number");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1G", "--vm", "name=a,vcpus=1,memory=1G"), "VM a is named twice");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1G", "--housekeeping-cores", "0"), "at least 1");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,vcpus=1,memory=1G", "--xml", "b=x.xml"), "no --vm named b");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,memory=1G"), "vcpus= is missing");
    }

    @Test
    void malformedDomainXmlNamesFileAndLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.xml");
        Files.writeString(bad, "<domain type='kvm'>\n  <name>a</name>\n  <vcpu>2\n</domain>\n");
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,memory=1G", "--xml", "a=" + bad), bad + ":4:");
        Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,memory=1G", "--xml", "a=" + bad), bad.toString());
        refused(Cli.run("plan", "--snapshot", SNAP, "--vm", "name=a,memory=1G", "--xml", "a=" + tmp.resolve("none.xml")), "no such file");
    }

    @Test
    void withoutOutItPrintsThePlanAndWritesNothing() {
        Cli.Result r = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=1,memory=1G,rt");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("isolated CPUs      1", "1    0      1     0    vcpu            rt1/0", "No files written");
    }

    /** An AMD host gets kvm_amd's parameters and none of Intel's, in the plan and in the audit (a real AMD capture). */
    @Test
    void anAmdHostGetsAmdSettingsOnly() {
        String amd = "src/test/resources/roots/firecracker-amd-2cpu/snapshot.tar.gz";
        Cli.Result plan = Cli.run("plan", "--snapshot", amd, "--vm", "name=rt1,vcpus=1,memory=2G,rt", "--format", "json");
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("\"kvm_amd.pause_filter_count\"").doesNotContain("kvm_intel").doesNotContain("intel_pstate");
        Cli.Result audit = Cli.run("audit", "--snapshot", amd, "--profile", "realtime-virtual-host", "--format", "json");
        assertThat(audit.out()).contains("module_param.kvm_amd.pause_filter_count").doesNotContain("kvm_intel").doesNotContain("intel_pstate");
        Cli.Result intel = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=1,memory=2G,rt", "--format", "json");
        assertThat(intel.out()).contains("\"kvm_intel.ple_gap\"").contains("intel_pstate").doesNotContain("kvm_amd");
    }

    /** A tree without node meminfo: memory is unknown, not zero; --assume-node-memory plans anyway and says so. */
    @Test
    void absentNodeMemoryIsUnknownNotZero(@TempDir Path tree) throws Exception {
        dev.kvmtune.testing.TreeManifest.extract("nested-kvm-2cpu", tree);
        java.nio.file.Files.delete(tree.resolve("sys/devices/system/node/node0/meminfo"));
        Cli.Result r = Cli.run("plan", "--root", tree.toString(), "--vm", "name=rt1,vcpus=1,memory=2G,rt");
        refused(r, "memory: unknown (the tree has no sys/devices/system/node/node0/meminfo; --assume-node-memory SIZE plans anyway)");
        assertThat(r.err()).doesNotContain("0 GiB");
        Cli.Result assumed = Cli.run("plan", "--root", tree.toString(), "--vm", "name=rt1,vcpus=1,memory=2G,rt", "--assume-node-memory", "16G");
        assertThat(assumed.exit()).as(assumed.err()).isZero();
        assertThat(assumed.out()).contains("node 0: memory not in the tree; 16 GiB assumed (--assume-node-memory)");
    }

    /** Files inside --out are kvmtune's own names: a link found there (file or directory) is refused, never written through. */
    @Test
    void linksInsideOutAreNotFollowed(@TempDir Path work) throws Exception {
        Path victim = Files.writeString(work.resolve("victim.conf"), "keep me\n");
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Path out = Files.createDirectories(work.resolve("out"));
        Files.createDirectories(out.resolve("sysctl.d"));
        Files.createSymbolicLink(out.resolve("sysctl.d/90-kvmtune.conf"), victim);
        Cli.Result file = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=1,memory=2G,rt", "--out", out.toString());
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err()).contains("90-kvmtune.conf: is a symbolic link");
        assertThat(Files.readString(victim)).isEqualTo("keep me\n");

        Path out2 = Files.createDirectories(work.resolve("out2"));
        Files.createSymbolicLink(out2.resolve("qemu"), elsewhere);
        Cli.Result dir = Cli.run("plan", "--snapshot", SNAP, "--vm", "name=rt1,vcpus=1,memory=2G,rt", "--out", out2.toString());
        assertThat(dir.exit()).isEqualTo(2);
        assertThat(dir.err()).contains("qemu leads outside it");
        try (var s = Files.list(elsewhere)) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
