package dev.kvmtune.facts.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import dev.kvmtune.testing.Trees;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** libvirt domain XML into the VM model; the fixtures pass libvirt's own virt-xml-validate. */
class DomainXmlTest {
    @TempDir
    Path tmp;

    static String fixture(String name) throws IOException {
        try (var in = DomainXmlTest.class.getResourceAsStream("/dev/kvmtune/libvirt/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rt1.xml", "legacy.xml"})
    void fixturesAreValidLibvirtDomains(String name) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, fixture(name));
        Process p = new ProcessBuilder(Requires.command("virt-xml-validate", "libvirt-clients").toString(), f.toString(), "domain").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Test
    void realtimeDomain() throws IOException {
        Vm vm = DomainXml.parse(fixture("rt1.xml"), "rt1.xml");
        assertThat(vm.name()).isEqualTo("rt1");
        assertThat(vm.accel()).isEqualTo("kvm");
        assertThat(vm.machine()).isEqualTo("pc-q35-7.2");
        assertThat(vm.binary()).isEqualTo("/usr/bin/qemu-system-x86_64");
        assertThat(vm.vcpus()).isEqualTo(4);
        assertThat(vm.smp()).isEqualTo(new Vm.Topology(4, 4, 1, 1, 4, 1));
        Vm.Memory m = vm.memory();
        assertThat(m.bytes()).isEqualTo(16L << 30);
        assertThat(m.hugepages()).isTrue();
        assertThat(m.pageSize()).isEqualTo(1L << 30);
        assertThat(m.locked()).isTrue();
        assertThat(m.prealloc()).isTrue();
        assertThat((Object) m.hostNodes()).isEqualTo(CpuSet.of(0));
        assertThat(m.policy()).isEqualTo("strict");
        Vm.Pinning p = vm.pinning();
        assertThat(p.vcpupin()).containsEntry(0, CpuSet.of(20)).containsEntry(3, CpuSet.of(23)).hasSize(4);
        assertThat((Object) p.emulatorpin()).isEqualTo(CpuSet.parseList("0-1"));
        assertThat(p.iothreadpin()).containsEntry("iothread1", CpuSet.parseList("0-1"));
        assertThat(p.vcpusched()).isEqualTo(Map.of(0, "fifo:1", 1, "fifo:1", 2, "fifo:1", 3, "fifo:1"));
        assertThat(vm.cpu().model()).isEqualTo("host-passthrough");
        assertThat(vm.enabled("kvm_pv_eoi")).isTrue();
        assertThat(vm.enabled("pmu")).isFalse();
        assertThat(vm.enabled("kvm-hint-dedicated")).isTrue();
        assertThat(vm.enabled("x2apic")).isTrue();
        assertThat(vm.enabled("svm")).isFalse();
        assertThat(vm.enabled("kvmclock")).isFalse();
        assertThat(vm.timers()).containsEntry("kvmclock", false).containsEntry("hpet", false);
        assertThat(vm.numa()).hasSize(1);
        assertThat((Object) vm.numa().get(0).cpus()).isEqualTo(CpuSet.parseList("0-3"));
        assertThat(vm.numa().get(0).bytes()).isEqualTo(16L << 30);
        assertThat(vm.iothreads()).containsExactly("iothread1");
        assertThat(vm.disks()).containsExactly(
                new Vm.Disk("vda", "virtio-blk", "virtio", "/var/lib/libvirt/images/rt1.qcow2", "qcow2", "none", true, "native",
                        "iothread1", 2097152L, null, null, false),
                new Vm.Disk("sda", "sata", "sata", "/var/lib/libvirt/images/seed.iso", "raw", null, null, null, null, null, null, null, true));
        assertThat(vm.nics()).containsExactly(new Vm.Nic("52:54:00:12:34:56", "virtio-net-pci", "bridge", true, 4));
        assertThat(vm.balloon()).isNull();
        assertThat(vm.usb()).isEmpty();
        assertThat(vm.display()).isEqualTo("none");
        assertThat(vm.notUnderstood()).isEmpty();
    }

    @Test
    void legacyDomain() throws IOException {
        Vm vm = DomainXml.parse(fixture("legacy.xml"), "legacy.xml");
        assertThat(vm.vcpus()).isEqualTo(2);
        assertThat(vm.smp().maxcpus()).isEqualTo(4);
        assertThat((Object) vm.pinning().vcpuDefault()).isEqualTo(CpuSet.parseList("2-3"));
        assertThat(vm.memory().bytes()).isEqualTo(2L << 30);
        assertThat(vm.memory().hugepages()).isFalse();
        assertThat(vm.cpu().model()).isEqualTo("Skylake-Server");
        assertThat(vm.enabled("x2apic")).isFalse();
        assertThat(vm.enabled("kvm-pv-eoi")).isFalse();
        assertThat(vm.disks()).extracting(Vm.Disk::bus).containsExactly("ide", "virtio-scsi");
        assertThat(vm.disks().get(0).cache()).isEqualTo("unsafe");
        assertThat(vm.disks().get(0).direct()).isFalse();
        assertThat(vm.nics()).extracting(Vm.Nic::model).containsExactly("e1000", "virtio-net-pci");
        assertThat(vm.nics().get(1).vhost()).isFalse();
        assertThat(vm.usb()).containsExactly("qemu-xhci", "usb-tablet");
        assertThat(vm.display()).isEqualTo("vnc");
        assertThat(vm.balloon()).isEqualTo("virtio-balloon");
    }

    @Test
    void modelSurvivesJsonRoundTrip() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String f : List.of("rt1.xml", "legacy.xml")) {
            Vm vm = DomainXml.parse(fixture(f), f);
            assertThat(json.readValue(json.writeValueAsString(vm), Vm.class)).isEqualTo(vm);
        }
    }

    @Test
    void runningDomainIsMatchedToItsProcess() throws IOException {
        Path root = tmp.resolve("root");
        String status = "<domstatus state='running' reason='booted' pid='4242'>\n"
                + "  <monitor path='/var/lib/libvirt/qemu/domain-1-rt1/monitor.sock' type='unix'/>\n"
                + fixture("rt1.xml") + "</domstatus>\n";
        Trees.put(root, "run/libvirt/qemu/rt1.xml", status);
        Trees.put(root, "etc/libvirt/qemu/rt1.xml", fixture("rt1.xml"));
        Trees.put(root, "etc/libvirt/qemu/legacy.xml", fixture("legacy.xml"));
        Trees.put(root, "etc/libvirt/qemu/broken.xml", "<domain type='kvm'>\n  <name>broken</name>\n  <vcpu>2</vcpu\n</domain>\n");
        Trees.put(root, "sys/devices/system/cpu/online", "0-23\n");
        Trees.put(root, "sys/devices/system/cpu/possible", "0-23\n");
        Trees.thread(root, 4242, 4242, "qemu-system-x86", false, 0, 0, 0, "0-1");
        Trees.thread(root, 4242, 4250, "CPU 0/KVM", false, 1, 1, 20, "20");
        Trees.thread(root, 4242, 4251, "CPU 1/KVM", false, 1, 1, 21, "20-23");
        Trees.thread(root, 4242, 4252, "IO iothread1", false, 0, 0, 0, "0-1");
        Trees.thread(root, 77, 77, "vhost-4242", true, 0, 0, 1, "0-1");
        Trees.put(root, "proc/4242/cmdline", String.join("\0", "/usr/bin/qemu-system-x86_64", "-name", "guest=rt1,debug-threads=on",
                "-machine", "pc-q35-7.2,accel=kvm", "-m", "16384", "-smp", "4,sockets=1,cores=4,threads=1",
                "-object", "iothread,id=iothread1") + "\0");
        DirectoryRoot r = DirectoryRoot.of(root);
        List<VmFacts> vms = VmDiscovery.discover(r, ProcessReader.allThreads(r));
        assertThat(vms).extracting(VmFacts::state).containsExactly("running", "defined", "unreadable");
        VmFacts rt1 = vms.get(0);
        assertThat(rt1.vm().pid()).isEqualTo(4242);
        assertThat(rt1.vm().domainXml()).isEqualTo("run/libvirt/qemu/rt1.xml");
        assertThat(rt1.vm().pinning().vcpupin()).containsEntry(1, CpuSet.of(21));
        assertThat(rt1.vm().qmp()).containsExactly("/var/lib/libvirt/qemu/domain-1-rt1/monitor.sock");
        assertThat(rt1.threads()).extracting(VmThread::role).containsExactly("main", "vcpu", "vcpu", "iothread", "vhost");
        assertThat(vms.get(2).vm().notUnderstood().get(0)).startsWith("etc/libvirt/qemu/broken.xml:4:");

        Cli.Result audit = Cli.run("audit", "--root", root.toString(), "--profile", "realtime-virtual-host", "--isolated", "20-23",
                "--vm", "rt1", "--format", "json");
        String out = audit.out();
        assertThat(out).as(audit.err()).contains("\"id\" : \"vm.vcpu.allowed_matches_pin\"");
        var findings = new ObjectMapper().readTree(out).path("findings");
        for (var f : findings) {
            if (f.path("id").asText().equals("vm.vcpu.allowed_matches_pin")) assertThat(f.path("severity").asText()).isEqualTo("warn");
            if (f.path("id").asText().equals("vm.vcpu.pinned_isolated")) assertThat(f.path("severity").asText()).isEqualTo("fail");
            if (f.path("id").asText().equals("vm.clock.kvmclock_off")) assertThat(f.path("severity").asText()).isIn("pass");
        }
    }

    @Test
    void badXmlNamesFileAndLine() {
        assertThatThrownBy(() -> DomainXml.parse("<domain>\n<name>x</name>\n<vcpu>1</vcp>\n</domain>", "d.xml"))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("d.xml:3:");
        assertThatThrownBy(() -> DomainXml.parse("<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain>&e;</domain>", "x.xml"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("x.xml");
        assertThatThrownBy(() -> DomainXml.parse("<network><name>n</name></network>", "n.xml"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("not a libvirt <domain>");
        Cli.Result r = Cli.run("vms", "--root", tmp.toString(), "--xml", tmp.resolve("missing.xml").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("missing.xml: no such file");
    }

    @Property(tries = 300)
    void garbageIsBadInputOrAModel(@ForAll byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            DomainXml.parse(text, "g.xml");
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("g.xml");
        }
    }

    @Property(tries = 300)
    void truncatedFixturesAreBadInputOrAModel(@ForAll("cuts") int cut) throws IOException {
        String rt1 = fixture("rt1.xml");
        String text = rt1.substring(0, Math.min(cut, rt1.length()));
        try {
            DomainXml.parse(text, "t.xml");
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("t.xml");
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> cuts() {
        return net.jqwik.api.Arbitraries.integers().between(0, 4000);
    }
}
