package dev.kvmtune.facts.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** QEMU command lines (qemu-options.hx spellings) into the VM model. */
class QemuArgsTest {
    private static Vm parse(String... args) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/qemu-system-x86_64"));
        argv.addAll(List.of(args));
        return QemuArgs.parse(argv, 1, "test", p -> p.startsWith("/dev/hugepages1G") ? new QemuArgs.Mount("hugetlbfs", 1L << 30)
                : p.startsWith("/dev/hugepages") ? new QemuArgs.Mount("hugetlbfs", 2L << 20) : new QemuArgs.Mount("tmpfs", null));
    }

    @Test
    void qemuOptsSyntax() throws Exception {
        assertThat(QemuOpts.parse("virtio-blk-pci,drive=d0,serial=a,,b", "driver"))
                .containsExactly(Map.entry("driver", "virtio-blk-pci"), Map.entry("drive", "d0"), Map.entry("serial", "a,b"));
        assertThat(QemuOpts.parse("host,+kvm_pv_eoi,-kvmclock,pmu=off", "model"))
                .containsEntry("model", "host").containsEntry("kvm_pv_eoi", "on").containsEntry("kvmclock", "off");
        assertThat(QemuOpts.parse("node,nodeid=0,cpus=0-1,cpus=4-5", "type")).containsEntry("cpus", "0-1,4-5");
        assertThat(QemuOpts.parse("{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"/x\"},\"read-only\":true}", null))
                .containsEntry("file.filename", "/x").containsEntry("read-only", "on");
        assertThat(QemuOpts.size("4G", 1L << 20)).isEqualTo(4L << 30);
        assertThat(QemuOpts.size("4096", 1L << 20)).isEqualTo(4L << 30);
        assertThat(QemuOpts.size("1.5G", 1)).isEqualTo(3L << 29);
        assertThat(QemuOpts.size("99999999999999999999", 1)).isNull();
    }

    @Test
    void cpuMemoryAndTopology() {
        Vm vm = parse("-name", "guest=rt1,debug-threads=on", "-machine", "pc-q35-7.2,accel=kvm,usb=off,memory-backend=pc.ram",
                "-cpu", "host,kvm-pv-eoi=on,+x2apic,-kvmclock,pmu=off,kvm-hint-dedicated=on",
                "-smp", "4,sockets=1,cores=4,threads=1", "-m", "16G",
                "-object", "{\"qom-type\":\"memory-backend-file\",\"id\":\"pc.ram\",\"mem-path\":\"/dev/hugepages1G/libvirt/qemu\","
                        + "\"prealloc\":true,\"size\":17179869184,\"host-nodes\":[0],\"policy\":\"bind\"}",
                "-overcommit", "mem-lock=on,cpu-pm=on", "-numa", "node,nodeid=0,cpus=0-3,memdev=pc.ram");
        assertThat(vm.name()).isEqualTo("rt1");
        assertThat(vm.accel()).isEqualTo("kvm");
        assertThat(vm.machine()).isEqualTo("pc-q35-7.2");
        assertThat(vm.enabled("kvm_pv_eoi")).isTrue();
        assertThat(vm.enabled("x2apic")).isTrue();
        assertThat(vm.enabled("kvmclock")).isFalse();
        assertThat(vm.enabled("pmu")).isFalse();
        assertThat(vm.enabled("kvm-hint-dedicated")).isTrue();
        assertThat(vm.timers()).containsEntry("kvmclock", false);
        assertThat(vm.smp()).isEqualTo(new Vm.Topology(4, 0, 1, 0, 4, 1));
        Vm.Memory m = vm.memory();
        assertThat(m.bytes()).isEqualTo(16L << 30);
        assertThat(m.backend()).isEqualTo("file");
        assertThat(m.hugepages()).isTrue();
        assertThat(m.pageSize()).isEqualTo(1L << 30);
        assertThat(m.prealloc()).isTrue();
        assertThat((Object) m.hostNodes()).isEqualTo(CpuSet.of(0));
        assertThat(m.policy()).isEqualTo("bind");
        assertThat(m.locked()).isTrue();
        assertThat(m.cpuPm()).isTrue();
        assertThat(vm.numa()).containsExactly(new Vm.NumaCell(0, CpuSet.parseList("0-3"), 16L << 30, "pc.ram", CpuSet.of(0)));
    }

    @Test
    void memfdAndMemPath() {
        assertThat(parse("-m", "2G", "-object", "memory-backend-memfd,id=m,size=2G,hugetlb=on,hugetlbsize=2M,share=on",
                "-machine", "q35,memory-backend=m").memory())
                .isEqualTo(new Vm.Memory(2L << 30, "memfd", null, true, 2L << 20, null, true, null, null, null, null));
        Vm.Memory mp = parse("-m", "1024", "-mem-path", "/dev/hugepages", "-mem-prealloc", "-realtime", "mlock=on").memory();
        assertThat(mp.hugepages()).isTrue();
        assertThat(mp.pageSize()).isEqualTo(2L << 20);
        assertThat(mp.locked()).isTrue();
        assertThat(parse("-m", "1G", "-mem-path", "/tmp/x").memory().hugepages()).isFalse();
        assertThat(parse().memory().bytes()).isEqualTo(128L << 20);
    }

    @Test
    void nicsOfEveryForm() {
        Vm vm = parse("-netdev", "tap,id=hostnet0,vhost=on,queues=4,fd=30", "-device", "virtio-net-pci,netdev=hostnet0,id=net0,mq=on",
                "-netdev", "user,id=u0", "-device", "e1000,netdev=u0,id=net1",
                "-nic", "user,model=rtl8139", "-net", "nic,model=e1000e", "-net", "user",
                "-netdev", "{\"type\":\"vhost-user\",\"id\":\"vu\",\"chardev\":\"c\"}", "-device", "virtio-net-pci,netdev=vu,id=net2");
        assertThat(vm.nics()).containsExactlyInAnyOrder(
                new Vm.Nic("net0", "virtio-net-pci", "tap", true, 4),
                new Vm.Nic("net1", "e1000", "user", null, null),
                new Vm.Nic(null, "rtl8139", "user", null, null),
                new Vm.Nic(null, "e1000e", "user", null, null),
                new Vm.Nic("net2", "virtio-net-pci", "vhost-user", null, null));
    }

    @Test
    void disksFromDriveBlockdevAndLegacy() {
        Vm vm = parse("-M", "pc",
                "-drive", "file=/img/a.qcow2,format=qcow2,if=none,id=d0,cache=none,aio=native,l2-cache-size=4M,refcount-cache-size=1M,cache-clean-interval=900",
                "-object", "iothread,id=io1", "-device", "virtio-blk-pci,drive=d0,iothread=io1,id=vda",
                "-blockdev", "driver=file,filename=/img/b.raw,node-name=fb,cache.direct=on,aio=io_uring",
                "-blockdev", "driver=raw,file=fb,node-name=rb",
                "-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,drive=rb,id=sdb,write-cache=off",
                "-blockdev", "{\"driver\":\"qcow2\",\"node-name\":\"q\",\"file\":{\"driver\":\"file\",\"filename\":\"/img/c.qcow2\",\"aio\":\"threads\"}}",
                "-device", "ide-hd,drive=q,id=hdc",
                "-drive", "file=/img/d.img,if=virtio,cache=unsafe",
                "-hda", "/img/e.img", "-cdrom", "/img/f.iso");
        assertThat(vm.disks()).containsExactlyInAnyOrder(
                new Vm.Disk("vda", "virtio-blk", "virtio-blk-pci", "/img/a.qcow2", "qcow2", "none", true, "native", "io1", 4L << 20,
                        1L << 20, 900L, false),
                new Vm.Disk("sdb", "virtio-scsi", "scsi-hd", "/img/b.raw", "raw", "directsync", true, "io_uring", null, null, null,
                        null, false),
                new Vm.Disk("hdc", "ide", "ide-hd", "/img/c.qcow2", "qcow2", null, null, "threads", null, null, null, null, false),
                new Vm.Disk("drive1", "virtio-blk", "virtio", "/img/d.img", null, "unsafe", false, null, null, null, null, null, false),
                new Vm.Disk("hda", "ide", "ide-hd", "/img/e.img", null, null, null, null, null, null, null, null, false),
                new Vm.Disk("cdrom", "ide", "ide-cd", "/img/f.iso", null, null, null, null, null, null, null, null, true));
        assertThat(vm.iothreads()).containsExactly("io1");
    }

    @Test
    void monitorsBalloonUsbDisplayAndReadconfig() {
        Vm vm = parse("-chardev", "socket,id=charmonitor,fd=28,server=on,wait=off,path=/var/lib/libvirt/qemu/domain-1-rt1/monitor.sock",
                "-mon", "chardev=charmonitor,id=monitor,mode=control", "-qmp", "unix:/run/q.sock,server=on,wait=off",
                "-monitor", "stdio", "-device", "virtio-balloon-pci,id=balloon0", "-device", "qemu-xhci,id=usb",
                "-device", "usb-tablet,id=input0", "-vnc", "127.0.0.1:0", "-readconfig", "/etc/vm.cfg", "-accel", "tcg",
                "-enable-kvm");
        assertThat(vm.qmp()).containsExactly("/var/lib/libvirt/qemu/domain-1-rt1/monitor.sock", "/run/q.sock");
        assertThat(vm.monitors()).containsExactly("stdio");
        assertThat(vm.balloon()).isEqualTo("virtio-balloon-pci");
        assertThat(vm.usb()).containsExactly("qemu-xhci", "usb-tablet");
        assertThat(vm.display()).isEqualTo("vnc 127.0.0.1:0");
        assertThat(vm.accel()).isEqualTo("tcg");
        assertThat(vm.notUnderstood()).hasSize(1).first().asString().startsWith("-readconfig /etc/vm.cfg");
    }

    @Test
    void oddInputIsListedNotThrown() {
        Vm vm = parse("-blockdev", "{not json", "-m", "lots", "-device", "virtio-blk-pci,drive=nowhere", "-smp");
        assertThat(vm.notUnderstood()).hasSize(4);
        assertThat(vm.notUnderstood()).anySatisfy(n -> assertThat(n).startsWith("-blockdev {not json").contains("not valid JSON"))
                .anySatisfy(n -> assertThat(n).startsWith("-m lots"))
                .anySatisfy(n -> assertThat(n).contains("drive=nowhere"))
                .anySatisfy(n -> assertThat(n).startsWith("-smp").contains("missing"));
    }

    @Property(tries = 2000)
    void anyArgumentsGiveAModel(@ForAll("argv") List<String> args) {
        List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64"));
        argv.addAll(args);
        Vm vm = QemuArgs.parse(argv, 1, "fuzz", p -> null);
        assertThat(vm.source()).isEqualTo("fuzz");
    }

    @Provide
    Arbitrary<List<String>> argv() {
        Arbitrary<String> opt = Arbitraries.of("-device", "-drive", "-blockdev", "-netdev", "-nic", "-net", "-object", "-m", "-smp",
                "-cpu", "-machine", "-numa", "-mon", "-chardev", "-qmp", "-name", "-mem-path", "-overcommit", "-hda", "-accel");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("=,{}\":.-_0123456789abcdefghijklmnoprstuvwxyz").ofMaxLength(60),
                Arbitraries.of("virtio-blk-pci,drive=a", "file=x,if=none,id=a", "{\"driver\":\"qcow2\",\"file\":\"a\"}", "node,cpus=x",
                        "memory-backend-file,id=m,size=zz", "tap,id=n,queues=x", "e1000,netdev=n", "4,sockets=0,cores=-1"));
        return Arbitraries.oneOf(opt, value).list().ofMaxSize(12);
    }
}
