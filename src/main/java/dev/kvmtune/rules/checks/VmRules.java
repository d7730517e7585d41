package dev.kvmtune.rules.checks;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.cpu.CoreClasses;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.numa.HugepagePool;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.proc.Cgroups;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Rules about each VM (seeds 001, 002, 004): device models, PV features, memory backing, pins
 * and priorities of its threads. A rule gives one finding per VM it applies to, its title naming
 * the VM; a host without VMs gets none.
 */
final class VmRules {
    private VmRules() {
    }

    /** Base for a rule that looks at one VM at a time. */
    abstract static class PerVm implements Rule {
        public List<Finding> check(AuditContext ctx) {
            List<Finding> out = new ArrayList<>();
            List<VmFacts> vms = ctx.facts().vms();
            if (vms == null) return out;
            for (VmFacts v : vms) {
                if (v.state().equals("unreadable")) continue;
                check(ctx, v, out);
            }
            return out;
        }

        abstract void check(AuditContext ctx, VmFacts vm, List<Finding> out);

        /** A finding about one VM: its title is prefixed with the VM's label; the rest is set on the builder. */
        VmFinding finding(VmFacts vm, Severity s) {
            return new VmFinding(Rules.finding(id(), s, "vm"), vm.label() + ": ");
        }
    }

    /** {@link Rules.Builder} for a VM's finding: the title carries the VM's label. */
    static final class VmFinding {
        private final Rules.Builder b;
        private final String prefix;

        VmFinding(Rules.Builder b, String prefix) {
            this.b = b;
            this.prefix = prefix;
        }

        VmFinding title(String t) {
            b.title(prefix + t);
            return this;
        }

        VmFinding why(String w) {
            b.why(w);
            return this;
        }

        VmFinding evidence(List<String> e) {
            b.evidence(e);
            return this;
        }

        VmFinding expected(String e) {
            b.expected(e);
            return this;
        }

        VmFinding actual(String a) {
            b.actual(a);
            return this;
        }

        VmFinding fix(Finding.Fix f) {
            b.fix(f);
            return this;
        }

        VmFinding reference(String r) {
            b.reference(r);
            return this;
        }

        Finding build() {
            return b.build();
        }
    }

    static String yesNo(Boolean b) {
        return b == null ? "not set" : b ? "yes" : "no";
    }

    static String src(VmFacts vm) {
        return vm.vm().source();
    }

    /** A VM without KVM: every instruction is translated by QEMU (TCG), so nothing KVM-specific in the audit helps it. */
    static final class Accel extends PerVm {
        public String id() {
            return "vm.accel.kvm";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            String accel = vm.vm().accel();
            if (accel == null) return;
            boolean kvm = accel.startsWith("kvm");
            out.add(finding(vm, kvm ? Severity.PASS : Severity.FAIL)
                    .title("runs under KVM")
                    .why("Under TCG QEMU translates every guest instruction in software, ten to a hundred times slower than KVM, "
                            + "and there are no VM exits, no vCPU threads in KVM_RUN and no KVM parameters: the rest of this audit "
                            + "tunes a hypervisor this VM does not use. QEMU falls back to TCG when /dev/kvm is missing or unusable "
                            + "(no vmx/svm, the kvm module not loaded, or no permission).")
                    .evidence(List.of(src(vm) + ": accel " + accel))
                    .expected("kvm")
                    .actual(accel)
                    .fix(kvm ? null : new Finding.Fix(null, "restart the VM with -accel kvm (libvirt: <domain type='kvm'>) on a host whose /dev/kvm works"))
                    .reference("QEMU -accel; Documentation/virt/kvm/api.rst")
                    .build());
        }
    }

    static final Set<String> EMULATED_NICS = Set.of("e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet", "igb", "vmxnet3");

    static final class VirtioNic extends PerVm {
        public String id() {
            return "vm.nic.virtio";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            for (Vm.Nic n : vm.vm().nics()) {
                String model = n.model() == null ? "default" : n.model();
                boolean emulated = n.model() == null || EMULATED_NICS.contains(model);
                out.add(finding(vm, emulated ? Severity.WARN : Severity.PASS)
                        .title("NIC " + n.id() + " is virtio-net")
                        .why("An emulated NIC (e1000, rtl8139) is driven through device registers: every register access traps to QEMU "
                                + "as an MMIO (EPT_MISCONFIG) or port I/O (IO_INSTRUCTION) exit, several per packet. virtio-net "
                                + "batches packets in shared rings and notifies rarely; seed 001 measures the exit counts drop.")
                        .evidence(List.of(src(vm) + ": nic " + n.id() + " model " + model))
                        .expected("virtio-net-pci")
                        .actual(model)
                        .fix(emulated ? new Finding.Fix(null, "-device virtio-net-pci,netdev=ID (libvirt: <model type='virtio'/>); "
                                + "the guest needs the virtio_net driver") : null)
                        .reference("seed 001; QEMU docs/system/devices/net.rst")
                        .build());
            }
        }
    }

    static final class Vhost extends PerVm {
        public String id() {
            return "vm.nic.vhost";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            boolean libvirt = vm.vm().domainXml() != null;
            for (Vm.Nic n : vm.vm().nics()) {
                if (!n.virtio()) continue;
                String backend = n.backend() == null ? "?" : n.backend();
                Boolean vhost = n.vhost();
                boolean on;
                String actual;
                if (backend.equals("user")) {
                    on = false;
                    actual = "user (slirp) networking, which cannot use vhost";
                } else if (vhost == null) {
                    on = libvirt || backend.startsWith("vhost");
                    actual = libvirt ? "not set: libvirt uses vhost when /dev/vhost-net exists" : "not set: QEMU's tap default is vhost=off";
                } else {
                    on = vhost;
                    actual = "vhost=" + (vhost ? "on" : "off");
                }
                out.add(finding(vm, on ? Severity.PASS : Severity.WARN)
                        .title("virtio-net " + n.id() + " uses vhost")
                        .why("Without vhost every packet goes through QEMU's main loop: a notification exit, a wake-up of a user "
                                + "thread and copies. vhost-net moves the virtio ring processing into a kernel thread (vhost-PID) "
                                + "next to the tap device.")
                        .evidence(List.of(src(vm) + ": nic " + n.id() + " backend " + backend + ", " + actual))
                        .expected("vhost=on")
                        .actual(actual)
                        .fix(on ? null : new Finding.Fix("modprobe vhost_net", "-netdev tap,...,vhost=on (libvirt: <driver name='vhost'/>)"))
                        .reference("seed 001; seed 004; QEMU -netdev tap vhost=")
                        .build());
            }
        }
    }

    static final class VirtioDisk extends PerVm {
        public String id() {
            return "vm.disk.virtio";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            for (Vm.Disk d : vm.vm().disks()) {
                if (d.cdrom()) continue;
                String bus = d.bus() == null ? "?" : d.bus();
                boolean ok = bus.startsWith("virtio") || bus.equals("nvme");
                out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                        .title("disk " + d.id() + " is virtio")
                        .why("IDE and SATA controllers are programmed through port I/O and emulated registers: each request costs "
                                + "several IO_INSTRUCTION or MMIO exits. virtio-blk and virtio-scsi queue requests in shared memory.")
                        .evidence(List.of(src(vm) + ": disk " + d.id() + " bus " + bus))
                        .expected("virtio-blk or virtio-scsi")
                        .actual(bus)
                        .fix(ok ? null : new Finding.Fix(null, "-device virtio-blk-pci,drive=ID (libvirt: <target bus='virtio'/>); "
                                + "the guest needs virtio_blk in its initramfs before the switch"))
                        .reference("seed 001; seed 004")
                        .build());
            }
        }
    }

    /** True when QEMU runs the VM with KVM, where kvm-pv-eoi and x2apic are on unless turned off. */
    static boolean kvm(VmFacts vm) {
        return "kvm".equals(vm.vm().accel());
    }

    static final class PvEoi extends PerVm {
        public String id() {
            return "vm.cpu.pv_eoi";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (!kvm(vm)) return;
            Boolean eoi = vm.vm().enabled("kvm-pv-eoi");
            boolean ok = eoi == null || eoi;
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("PV EOI is on")
                    .why("Each end-of-interrupt the guest writes to the x2APIC EOI register (MSR 0x80b) is a WRMSR exit. With PV EOI "
                            + "the guest clears a bit in shared memory instead; seed 001 counts thousands of 0x80b exits per second "
                            + "without it.")
                    .evidence(List.of(src(vm) + ": kvm-pv-eoi " + (eoi == null ? "not set (on by QEMU's KVM default)" : eoi ? "on" : "off")))
                    .expected("on")
                    .actual(eoi == null ? "default (on)" : eoi ? "on" : "off")
                    .fix(ok ? null : new Finding.Fix(null, "-cpu host,kvm-pv-eoi=on (libvirt: <features><apic eoi='on'/></features>)"))
                    .reference("seed 001; QEMU target/i386 kvm_default_props")
                    .build());
        }
    }

    static final class X2apic extends PerVm {
        public String id() {
            return "vm.cpu.x2apic";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (!kvm(vm)) return;
            Boolean x = vm.vm().enabled("x2apic");
            boolean ok = x == null || x;
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("x2APIC is on")
                    .why("In xAPIC mode the guest reaches the APIC through MMIO, which KVM must decode and emulate; x2APIC uses MSRs, "
                            + "which exit faster and let posted interrupts and PV EOI work.")
                    .evidence(List.of(src(vm) + ": x2apic " + (x == null ? "not set (on by QEMU's KVM default)" : x ? "on" : "off")))
                    .expected("on")
                    .actual(x == null ? "default (on)" : x ? "on" : "off")
                    .fix(ok ? null : new Finding.Fix(null, "drop -x2apic from -cpu (libvirt: <feature policy='require' name='x2apic'/>)"))
                    .reference("seed 000; seed 001")
                    .build());
        }
    }

    static final class PmuOff extends PerVm {
        public String id() {
            return "vm.cpu.pmu_off";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (!kvm(vm)) return;
            Boolean pmu = vm.vm().enabled("pmu");
            boolean ok = Boolean.FALSE.equals(pmu);
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("virtual PMU is off")
                    .why("A virtual PMU makes KVM save and restore performance counters around guest entries and turns the guest's "
                            + "counter MSR accesses and overflow NMIs into exits: jitter a realtime guest does not need.")
                    .evidence(List.of(src(vm) + ": pmu " + (pmu == null ? "not set (on by default)" : pmu ? "on" : "off")))
                    .expected("off")
                    .actual(pmu == null ? "default (on)" : pmu ? "on" : "off")
                    .fix(ok ? null : new Finding.Fix(null, "-cpu host,pmu=off (libvirt: <features><pmu state='off'/></features>)"))
                    .reference("seed 002; libvirt formatdomain.html#hypervisor-features")
                    .build());
        }
    }

    /** kvmclock as the clock timer says, else as the CPU flag says; null when neither mentions it. */
    static Boolean kvmclock(VmFacts vm) {
        Map<String, Boolean> timers = vm.vm().timers();
        return timers != null && timers.containsKey("kvmclock") ? timers.get("kvmclock") : vm.vm().enabled("kvmclock");
    }

    static final class KvmclockOff extends PerVm {
        public String id() {
            return "vm.clock.kvmclock_off";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (!kvm(vm)) return;
            Boolean kc = kvmclock(vm);
            var id = ctx.facts().cpu().identity();
            boolean invariant = id != null && id.has("constant_tsc") && id.has("nonstop_tsc");
            boolean off = Boolean.FALSE.equals(kc);
            Severity s = off ? Severity.PASS : invariant ? Severity.WARN : Severity.INFO;
            out.add(finding(vm, s)
                    .title("kvmclock is off (guest uses the TSC)")
                    .why("Seed 002 removes kvmclock from realtime guests so that they read the TSC directly: no shared-page "
                            + "updates from the host and no clock jumps when the host adjusts it. This is only safe with an "
                            + "invariant TSC (constant_tsc and nonstop_tsc on the host); otherwise keep kvmclock."
                            + (invariant ? "" : " This host's CPU does not show both flags, so kvmclock stays."))
                    .evidence(List.of(src(vm) + ": kvmclock " + (kc == null ? "not set (present by default)" : kc ? "present" : "absent"),
                            "proc/cpuinfo: constant_tsc+nonstop_tsc " + (invariant ? "present" : "not both present")))
                    .expected("absent")
                    .actual(kc == null ? "default (present)" : kc ? "present" : "absent")
                    .fix(off || !invariant ? null : new Finding.Fix(null,
                            "-cpu host,-kvmclock (libvirt: <clock offset='utc'><timer name='kvmclock' present='no'/></clock>)"))
                    .reference("seed 002")
                    .build());
        }
    }

    static final class KvmclockOn extends PerVm {
        public String id() {
            return "vm.clock.kvmclock_on";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (!kvm(vm)) return;
            Boolean kc = kvmclock(vm);
            boolean ok = kc == null || kc;
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("kvmclock is present")
                    .why("kvmclock lets the guest read time from a page the host keeps current, without exits and correct across "
                            + "migration and host frequency changes. Turning it off is a realtime measure (seed 002) that needs an "
                            + "invariant TSC and gives up migration safety.")
                    .evidence(List.of(src(vm) + ": kvmclock " + (kc == null ? "not set (present by default)" : kc ? "present" : "absent")))
                    .expected("present")
                    .actual(kc == null ? "default (present)" : kc ? "present" : "absent")
                    .fix(ok ? null : new Finding.Fix(null, "drop -kvmclock from -cpu (libvirt: remove <timer name='kvmclock' present='no'/>)"))
                    .reference("seed 002; seed 004")
                    .build());
        }
    }

    static final class Hugepages extends PerVm {
        private final Severity missing;
        private final String id;

        Hugepages(String id, Severity missing) {
            this.id = id;
            this.missing = missing;
        }

        public String id() {
            return id;
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Vm.Memory m = vm.vm().memory();
            if (m == null) return;
            boolean huge = Boolean.TRUE.equals(m.hugepages());
            List<String> evidence = new ArrayList<>();
            evidence.add(src(vm) + ": memory " + m.backend() + (m.memPath() == null ? "" : " " + m.memPath()) + ", hugepages "
                    + (m.hugepages() == null ? "unknown" : huge ? "yes" : "no") + (m.hostNodes() == null ? "" : ", host nodes " + m.hostNodes().toList()));
            Severity s = huge ? Severity.PASS : m.hugepages() == null ? Severity.INFO : missing;
            String actual = huge ? "hugepages" : m.hugepages() == null ? "cannot tell (the mount of " + m.memPath() + " is unknown)" : "small pages";
            if (huge && m.hostNodes() != null && m.bytes() != null && !vm.state().equals("running")) {
                // a defined VM needs free pages on its nodes to start
                long page = m.pageSize() != null ? m.pageSize() : 2L << 20;
                long need = m.bytes() / page;
                long free = 0;
                for (NumaNode n : ctx.facts().numa()) {
                    if (!m.hostNodes().contains(n.id())) continue;
                    HugepagePool p = n.hugepages().get(page / 1024);
                    if (p != null) free += p.free();
                    evidence.add(n.source() + ": " + (p == null ? 0 : p.free()) + " free " + (page >> 10) + " kB pages");
                }
                if (free < need) {
                    s = Severity.WARN;
                    actual = "hugepages, but nodes " + m.hostNodes().toList() + " have " + free + " free pages of " + need + " needed";
                }
            }
            out.add(finding(vm, s)
                    .title("guest memory is backed by hugepages")
                    .why("With 4 KiB pages every guest memory access that misses the TLB walks two page tables (guest and EPT/NPT); "
                            + "2 MiB or 1 GiB pages cut those walks and the TLB misses. Seed 002 measures about 1 µs better "
                            + "worst-case latency with them.")
                    .evidence(evidence)
                    .expected("hugepages on the VM's NUMA node")
                    .actual(actual)
                    .fix(s == Severity.PASS ? null : new Finding.Fix("echo N > /sys/devices/system/node/nodeX/hugepages/hugepages-2048kB/nr_hugepages",
                            "-object memory-backend-file,mem-path=/dev/hugepages,prealloc=on,host-nodes=X,policy=bind "
                                    + "(libvirt: <memoryBacking><hugepages/></memoryBacking> and <numatune>)"))
                    .reference("seed 002; seed 004; Documentation/admin-guide/mm/hugetlbpage.rst")
                    .build());
        }
    }

    /**
     * On a host whose cores differ in speed (Intel hybrid, arm64 big.LITTLE): a VM's vCPUs all on the
     * fastest kind. vCPUs that may run on slower cores, or on a mix, run the same guest code at
     * different speeds, so the guest's latency depends on where each vCPU happens to be.
     */
    static final class CoreTypes extends PerVm {
        public String id() {
            return "vm.vcpu.core_types";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            CoreClasses classes = CoreClasses.of(ctx.facts().cpu().cpus());
            if (!classes.heterogeneous() || vm.threads() == null) return;
            CpuSet where = CpuSet.EMPTY;
            for (VmThread t : vm.threads()) {
                if ("vcpu".equals(t.role()) && t.allowed() != null) where = where.union(t.allowed());
            }
            if (where.isEmpty()) return;
            CpuSet online = ctx.facts().cpu().online();
            where = where.intersect(online);
            List<String> kinds = new ArrayList<>();
            for (CoreClasses.CoreClass c : classes.classes()) {
                if (c.cpus().intersects(where)) kinds.add(c.label() + " " + c.cpus().intersect(where).toList());
            }
            boolean fastOnly = classes.fastest().containsAll(where);
            boolean mixed = kinds.size() > 1;
            Severity s = fastOnly ? Severity.PASS : ctx.hasIsolation() ? Severity.WARN : Severity.INFO;
            String actual = fastOnly ? "fastest cores only: " + where.toList() : (mixed ? "a mix: " : "slower cores only: ") + String.join(", ", kinds);
            out.add(finding(vm, s)
                    .title("vCPUs run on the host's fastest cores")
                    .why("This host's cores differ in speed (" + classes + "). A vCPU on a slower core runs the same guest code more slowly, "
                            + "and vCPUs spread over both kinds make the guest's latency depend on which vCPU runs it.")
                    .evidence(List.of("vCPU threads' allowed CPUs: " + where.toList(), "core types: " + classes))
                    .expected("vCPUs within " + classes.fastest().toList())
                    .actual(actual)
                    .fix(fastOnly ? null : new Finding.Fix(null, "pin the vCPUs to " + classes.fastest().toList()
                            + " (kvmtune plan puts realtime vCPUs there; libvirt <vcpupin>)"))
                    .reference("Documentation/scheduler/sched-capacity.rst; Documentation/ABI/testing/sysfs-devices-system-cpu (cpu_capacity)")
                    .build());
        }
    }

    static final class Locked extends PerVm {
        public String id() {
            return "vm.memory.locked";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Vm.Memory m = vm.vm().memory();
            if (m == null) return;
            boolean ok = Boolean.TRUE.equals(m.locked()) || Boolean.TRUE.equals(m.hugepages()) && Boolean.TRUE.equals(m.prealloc());
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("guest memory cannot be paged out or faulted in late")
                    .why("A realtime vCPU must never wait for the host to fault in or swap back a page. Locking (mem-lock=on) or "
                            + "preallocated hugepages keep every page resident. The risk: locked memory cannot be reclaimed, so "
                            + "the host must have it to spare.")
                    .evidence(List.of(src(vm) + ": locked " + yesNo(m.locked()) + ", hugepages " + yesNo(m.hugepages()) + ", prealloc " + yesNo(m.prealloc())))
                    .expected("locked, or preallocated hugepages")
                    .actual("locked " + (m.locked() == null ? "no" : m.locked()) + ", prealloc "
                            + (m.prealloc() == null ? "no" : m.prealloc()))
                    .fix(ok ? null : new Finding.Fix(null, "-overcommit mem-lock=on (libvirt: <memoryBacking><locked/></memoryBacking>)"))
                    .reference("seed 002; QEMU -overcommit")
                    .build());
        }
    }

    static final class BalloonOff extends PerVm {
        public String id() {
            return "vm.balloon.off";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            String b = vm.vm().balloon();
            out.add(finding(vm, b == null ? Severity.PASS : Severity.WARN)
                    .title("no memory balloon")
                    .why("The balloon driver returns guest pages to the host and takes them back later: page faults and "
                            + "madvise work while the guest runs, which a realtime VM with locked hugepage memory cannot use anyway.")
                    .evidence(List.of(src(vm) + ": balloon " + (b == null ? "none" : b)))
                    .expected("none")
                    .actual(b == null ? "none" : b)
                    .fix(b == null ? null : new Finding.Fix(null, "drop -device virtio-balloon-pci (libvirt: <memballoon model='none'/>)"))
                    .reference("seed 002; libvirt formatdomain.html#memory-balloon-device")
                    .build());
        }
    }

    static final class DiskCacheMode extends PerVm {
        public String id() {
            return "vm.disk.cache_mode";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            for (Vm.Disk d : vm.vm().disks()) {
                if (d.cdrom()) continue;
                String mode = d.cache() == null ? "writeback" : d.cache();
                String tradeOff = switch (mode) {
                    case "none" -> "O_DIRECT: no host page cache, writes reach the device's cache; safe with guest flushes, "
                            + "predictable, no double caching. The usual choice for VMs.";
                    case "writeback" -> "host page cache on: fast, safe when the guest flushes, but guest data is cached twice "
                            + "and host memory pressure and writeback bursts show up as guest I/O latency.";
                    case "writethrough" -> "every write waits for the disk (O_DSYNC): safe even for guests that never flush, slow writes.";
                    case "directsync" -> "O_DIRECT and O_DSYNC: safest and slowest.";
                    case "unsafe" -> "flushes are ignored: a host crash loses or corrupts guest data. Only for throw-away guests.";
                    default -> "unknown mode.";
                };
                Severity s = switch (mode) {
                    case "none" -> Severity.PASS;
                    case "unsafe" -> Severity.WARN;
                    default -> Severity.INFO;
                };
                out.add(finding(vm, s)
                        .title("disk " + d.id() + " cache mode " + mode + (d.cache() == null ? " (QEMU's default)" : ""))
                        .why("The cache mode decides where guest writes wait and what a host crash can lose. " + mode + ": " + tradeOff)
                        .evidence(List.of(src(vm) + ": disk " + d.id() + " cache=" + (d.cache() == null ? "(not set)" : d.cache())
                                + (d.direct() == null ? "" : " cache.direct=" + (d.direct() ? "on" : "off"))))
                        .expected("none")
                        .actual(mode)
                        .fix(s == Severity.PASS ? null : new Finding.Fix(null, "-drive ...,cache=none,aio=native (libvirt: <driver cache='none' io='native'/>)"))
                        .reference("seed 004; QEMU docs/system/qemu-block-drivers.rst (cache modes)")
                        .build());
            }
        }
    }

    static final class AioNative extends PerVm {
        public String id() {
            return "vm.disk.aio_native_direct";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            for (Vm.Disk d : vm.vm().disks()) {
                if (!"native".equals(d.aio())) continue;
                boolean ok = Boolean.TRUE.equals(d.direct());
                out.add(finding(vm, ok ? Severity.PASS : Severity.FAIL)
                        .title("disk " + d.id() + " aio=native has cache.direct=on")
                        .why("Linux native AIO is only asynchronous on files opened with O_DIRECT; on cached files io_submit blocks. "
                                + "QEMU refuses aio=native without cache.direct=on (older versions silently used threads).")
                        .evidence(List.of(src(vm) + ": disk " + d.id() + " aio=native cache=" + d.cache()))
                        .expected("cache=none or directsync")
                        .actual("cache=" + (d.cache() == null ? "writeback (default)" : d.cache()))
                        .fix(ok ? null : new Finding.Fix(null, "cache=none with aio=native, or aio=io_uring/threads with a cached mode"))
                        .reference("QEMU docs/system/invocation (-drive aio=); seed 004")
                        .build());
            }
        }
    }

    static final class Qcow2L2Cache extends PerVm {
        public String id() {
            return "vm.qcow2.l2_cache";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            for (Vm.Disk d : vm.vm().disks()) {
                if (d.file() == null || !d.file().startsWith("/") || d.cdrom()) continue;
                if (d.format() != null && !d.format().equals("qcow2")) continue;
                String path = d.file().substring(1);
                Optional<byte[]> head = ctx.root().readHead(path, Qcow2.HEADER_BYTES);
                if (head.isEmpty()) continue;
                Qcow2 q;
                try {
                    q = Qcow2.parse(head.get(), d.file());
                } catch (BadInputException e) {
                    continue; // not qcow2 (a raw image without format=): nothing to size
                }
                long configured = d.l2CacheSize() != null ? d.l2CacheSize() : q.defaultL2();
                long covered = q.coveredBy(configured);
                boolean ok = covered >= q.virtualSize();
                out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                        .title("qcow2 L2 cache of disk " + d.id() + " maps the whole disk")
                        .why("qcow2 finds each cluster through L2 tables; those not in the L2 cache are read from the image first, "
                                + "doubling the I/O of random access beyond the mapped range. An 8-byte entry maps one cluster, so "
                                + "full coverage needs size / cluster_size × 8 bytes (seed 000).")
                        .evidence(List.of(d.file() + ": qcow2 v" + q.version() + ", " + q.virtualSize() + " bytes, cluster " + q.clusterSize(),
                                src(vm) + ": l2-cache-size " + (d.l2CacheSize() == null ? "not set (QEMU >= 3.1 default " + configured + ")" : configured)))
                        .expected("l2-cache-size >= " + q.l2CacheFull())
                        .actual("maps " + covered + " of " + q.virtualSize() + " bytes")
                        .fix(ok ? null : new Finding.Fix(null, "-drive file=" + d.file() + "," + q.driveOptions()))
                        .reference("seed 000; QEMU docs/qcow2-cache.txt")
                        .build());
            }
        }
    }

    /** The CPUs each vCPU may run on: the running thread's affinity, else libvirt's vcpupin. */
    static Map<Integer, CpuSet> vcpuCpus(VmFacts vm) {
        Map<Integer, CpuSet> out = new TreeMap<>();
        for (VmThread t : vm.byRole("vcpu")) {
            if (t.vcpu() != null && t.allowed() != null) out.put(t.vcpu(), t.allowed());
        }
        if (out.isEmpty() && vm.vm().pinning() != null) {
            out.putAll(vm.vm().pinning().vcpupin());
            if (vm.vm().pinning().vcpuDefault() != null) {
                for (int i = 0; i < vm.vm().vcpus(); i++) out.putIfAbsent(i, vm.vm().pinning().vcpuDefault());
            }
        }
        return out;
    }

    static String describe(Map<Integer, CpuSet> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append("vCPU").append(k).append("→").append(v.toList()));
        return sb.toString();
    }

    static final class VcpuPinnedIsolated extends PerVm {
        public String id() {
            return "vm.vcpu.pinned_isolated";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Map<Integer, CpuSet> pins = vcpuCpus(vm);
            List<String> problems = new ArrayList<>();
            if (pins.size() < vm.vm().vcpus()) problems.add((vm.vm().vcpus() - pins.size()) + " of " + vm.vm().vcpus() + " vCPUs have no pin");
            Map<Integer, Integer> used = new TreeMap<>();
            Set<Integer> nodes = new TreeSet<>();
            Map<Integer, Integer> nodeOf = new LinkedHashMap<>();
            for (CpuTopology c : ctx.facts().cpu().cpus()) nodeOf.put(c.cpu(), c.node());
            for (Map.Entry<Integer, CpuSet> e : pins.entrySet()) {
                CpuSet s = e.getValue();
                if (s.size() != 1) {
                    problems.add("vCPU" + e.getKey() + " may run on " + s.toList() + ", not one CPU");
                    continue;
                }
                int cpu = s.first();
                Integer other = used.put(cpu, e.getKey());
                if (other != null) problems.add("vCPU" + other + " and vCPU" + e.getKey() + " share CPU " + cpu);
                if (ctx.hasIsolation() && !ctx.isolated().contains(cpu)) problems.add("CPU " + cpu + " (vCPU" + e.getKey() + ") is not isolated");
                if (nodeOf.containsKey(cpu)) nodes.add(nodeOf.get(cpu));
            }
            if (nodes.size() > 1) problems.add("the vCPUs span NUMA nodes " + nodes);
            boolean ok = problems.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.FAIL)
                    .title("vCPUs pinned 1:1 onto isolated CPUs of one NUMA node")
                    .why("A vCPU that shares or changes its CPU waits for the scheduler and loses its caches; one that spans NUMA "
                            + "nodes reaches memory across the interconnect. Seed 002 pins each vCPU to its own isolated CPU.")
                    .evidence(List.of((vm.byRole("vcpu").isEmpty() ? src(vm) : "proc/" + vm.vm().pid() + "/task/*/status Cpus_allowed_list") + ": "
                            + (pins.isEmpty() ? "no vCPU thread or pin found" : describe(pins)),
                            "isolated CPUs: " + (ctx.hasIsolation() ? ctx.isolated().toList() + " (" + ctx.isolatedSource() + ")" : "none")))
                    .expected("each vCPU on its own isolated CPU, one node")
                    .actual(ok ? "as expected" : String.join("; ", problems))
                    .fix(ok ? null : new Finding.Fix("taskset -pc CPU TID (per vCPU thread; see kvmtune threads)",
                            "<cputune><vcpupin vcpu='0' cpuset='N'/>...</cputune>"))
                    .reference("seed 002")
                    .build());
        }
    }

    static final class PinsApplied extends PerVm {
        public String id() {
            return "vm.vcpu.allowed_matches_pin";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Vm.Pinning p = vm.vm().pinning();
            if (p == null || vm.threads().isEmpty()) return;
            List<String> wider = new ArrayList<>();
            for (VmThread t : vm.byRole("vcpu")) {
                CpuSet pin = p.vcpupin().getOrDefault(t.vcpu(), p.vcpuDefault());
                if (pin == null || t.allowed() == null) continue;
                if (!pin.containsAll(t.allowed())) wider.add("vCPU" + t.vcpu() + " thread " + t.tid() + " allowed " + t.allowed().toList() + ", pinned " + pin.toList());
            }
            boolean ok = wider.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("vCPU threads run only where the domain pins them")
                    .why("A vCPU thread allowed on more CPUs than its <vcpupin> says was re-pinned by hand or by a tool after "
                            + "libvirt started it (tuna, taskset, a cgroup change): the domain XML no longer describes the VM.")
                    .evidence(List.of(p.vcpupin().isEmpty() ? "no vcpupin" : "domain pins: " + describe(p.vcpupin())))
                    .expected("allowed ⊆ pin")
                    .actual(ok ? "as pinned" : String.join("; ", wider))
                    .fix(ok ? null : new Finding.Fix("virsh vcpupin DOMAIN VCPU CPULIST", "keep pins in the domain XML only"))
                    .reference("seed 002")
                    .build());
        }
    }

    static final class EmulatorOffVcpus extends PerVm {
        public String id() {
            return "vm.emulator.off_vcpu_cpus";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Map<Integer, CpuSet> pins = vcpuCpus(vm);
            CpuSet pinned = CpuSet.EMPTY;
            for (CpuSet s : pins.values()) if (s.size() == 1) pinned = pinned.union(s);
            final CpuSet vcpuCpus = pinned;
            if (vcpuCpus.isEmpty()) return;
            List<String> bad = new ArrayList<>();
            for (VmThread t : vm.threads()) {
                if (t.role().equals("vcpu") || t.allowed() == null) continue;
                if (t.allowed().intersects(vcpuCpus)) bad.add(t.role() + " " + t.comm() + " (" + t.tid() + ") allowed " + t.allowed().toList());
            }
            Vm.Pinning p = vm.vm().pinning();
            if (vm.threads().isEmpty() && p != null) {
                if (p.emulatorpin() == null) bad.add("no <emulatorpin>: emulator threads may run anywhere");
                else if (p.emulatorpin().intersects(vcpuCpus)) bad.add("emulatorpin " + p.emulatorpin().toList());
                p.iothreadpin().forEach((k, s) -> {
                    if (s.intersects(vcpuCpus)) bad.add(k + " pin " + s.toList());
                });
            }
            boolean ok = bad.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.FAIL)
                    .title("emulator, I/O and vhost threads stay off the vCPU CPUs")
                    .why("QEMU's main loop, its workers, iothreads and vhost threads wake up for device work; on a vCPU's CPU they "
                            + "preempt the vCPU (or wait behind a SCHED_FIFO vCPU forever). They belong on housekeeping CPUs.")
                    .evidence(List.of("vCPU CPUs: " + vcpuCpus.toList()))
                    .expected("no other VM thread allowed on " + vcpuCpus.toList())
                    .actual(ok ? "none" : String.join("; ", bad))
                    .fix(ok ? null : new Finding.Fix("taskset -pc HOUSEKEEPING TID (each non-vCPU thread)",
                            "<cputune><emulatorpin cpuset='HOUSEKEEPING'/><iothreadpin iothread='1' cpuset='HOUSEKEEPING'/></cputune>"))
                    .reference("seed 002; libvirt formatdomain.html#cpu-tuning")
                    .build());
        }
    }

    static final class VcpuFifoBelowKsoftirqd extends PerVm {
        public String id() {
            return "vm.vcpu.fifo_below_ksoftirqd";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Map<Integer, Integer> kernelPrio = new TreeMap<>(); // CPU → lowest RT priority of ksoftirqd/rcuc there
            for (ThreadsReader.KernelThread k : ctx.facts().threads().kernel()) {
                if (!(k.kind().equals("ksoftirqd") || k.kind().equals("rcuc")) || k.boundCpu() < 0) continue;
                int prio = k.policy() == SchedPolicy.FIFO || k.policy() == SchedPolicy.RR ? k.priority() : 0;
                kernelPrio.merge(k.boundCpu(), prio, Math::min);
            }
            List<String> problems = new ArrayList<>();
            List<String> evidence = new ArrayList<>();
            List<VmThread> vcpus = vm.byRole("vcpu");
            if (!vcpus.isEmpty()) {
                for (VmThread t : vcpus) {
                    evidence.add("vCPU" + t.vcpu() + " thread " + t.tid() + ": " + t.policy() + " " + t.priority());
                    boolean rt = t.policy() == SchedPolicy.FIFO || t.policy() == SchedPolicy.RR;
                    if (!rt) {
                        problems.add("vCPU" + t.vcpu() + " is " + t.policy());
                        continue;
                    }
                    if (t.allowed() != null && t.allowed().size() == 1) {
                        int cpu = t.allowed().first();
                        Integer kp = kernelPrio.get(cpu);
                        if (kp != null && t.priority() >= kp) problems.add("vCPU" + t.vcpu() + " FIFO " + t.priority()
                                + " is not below ksoftirqd/rcuc on CPU " + cpu + " (" + (kp == 0 ? "SCHED_OTHER" : "FIFO " + kp) + ")");
                    }
                }
            } else if (vm.vm().pinning() != null && !vm.vm().pinning().vcpusched().isEmpty()) {
                vm.vm().pinning().vcpusched().forEach((v, s) -> evidence.add("vcpusched vCPU" + v + ": " + s));
                for (int i = 0; i < vm.vm().vcpus(); i++) {
                    String s = vm.vm().pinning().vcpusched().get(i);
                    if (s == null || !(s.startsWith("fifo") || s.startsWith("rr"))) problems.add("vCPU" + i + " has no fifo vcpusched");
                }
            } else {
                return;
            }
            boolean ok = problems.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("vCPUs run SCHED_FIFO below ksoftirqd and rcuc")
                    .why("A SCHED_FIFO vCPU is never preempted by ordinary tasks, so its latency no longer depends on them; but "
                            + "it must stay below the per-CPU ksoftirqd/rcuc threads of its CPU, or softirqs and RCU callbacks "
                            + "starve there (network stalls, RCU stall warnings). Seed 002: vCPUs fifo 1, ksoftirqd/rcuc fifo 2+.")
                    .evidence(evidence)
                    .expected("vCPU FIFO priority < ksoftirqd/rcuc priority on its CPU")
                    .actual(ok ? "as expected" : String.join("; ", problems))
                    .fix(ok ? null : new Finding.Fix("chrt -f -p 1 TID (each vCPU thread); chrt -f -p 2 $(pgrep ksoftirqd/N)",
                            "<cputune><vcpusched vcpus='0-N' scheduler='fifo' priority='1'/></cputune>"))
                    .reference("seed 002")
                    .build());
        }
    }

    /**
     * libvirt backs hugepage memory with a file on a hugetlbfs mount it found when it started; with
     * none, a hugepage-backed domain does not start ("hugetlbfs filesystem is not mounted or
     * disabled by administrator config"). systemd mounts /dev/hugepages on most hosts; a host
     * without it, or a container, may have none.
     */
    static final class HugetlbfsMounted extends PerVm {
        public String id() {
            return "vm.memory.hugetlbfs_mounted";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            Vm.Memory m = vm.vm().memory();
            if (m == null || !Boolean.TRUE.equals(m.hugepages()) || vm.state().equals("running")) return;
            Optional<String> mounts = ctx.root().read("proc/mounts");
            if (mounts.isEmpty()) return;
            List<String> huge = mounts.get().lines().filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("hugetlbfs"))
                    .map(l -> l.split(" ")[1]).toList();
            boolean ok = !huge.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.FAIL)
                    .title("a hugetlbfs mount backs its hugepage memory")
                    .why("libvirt puts a hugepage-backed guest's memory in a file on a hugetlbfs mount, and reads the mounts when "
                            + "libvirtd starts. With none the domain does not start (\"hugetlbfs filesystem is not mounted or disabled by "
                            + "administrator config\"); a mount made later counts only after libvirtd restarts.")
                    .evidence(List.of("proc/mounts: " + (ok ? "hugetlbfs on " + String.join(", ", huge) : "no hugetlbfs")))
                    .expected("a hugetlbfs mount (usually /dev/hugepages)")
                    .actual(ok ? "mounted on " + String.join(", ", huge) : "none")
                    .fix(ok ? null : new Finding.Fix("mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages, then restart libvirtd",
                            "systemctl enable --now dev-hugepages.mount, or an fstab line: hugetlbfs /dev/hugepages hugetlbfs defaults 0 0"))
                    .reference("Documentation/admin-guide/mm/hugetlbpage.rst; libvirt formatdomain.html#memory-backing")
                    .build());
        }
    }

    /**
     * The four places a libvirt domain's vCPU pins live: its definition (etc/libvirt/qemu/NAME.xml:
     * what the next start uses), libvirt's live state (run/libvirt/qemu/NAME.xml), the vCPU's cpuset
     * cgroup (cpuset.cpus of libvirt's vcpuN group) and the thread's own affinity. A change made
     * behind libvirt (taskset, a tool writing the thread) shows in the last two only and is gone at the
     * next start; one made with --live only is gone too.
     */
    static final class PinLayersAgree extends PerVm {
        public String id() {
            return "vm.vcpu.pin_layers_agree";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            String live = vm.vm().domainXml();
            if (vm.vm().pid() == null || live == null || !live.startsWith(dev.kvmtune.facts.vm.VmDiscovery.RUN_DIR + "/")) return;
            var root = ctx.root();
            String etc = dev.kvmtune.facts.vm.VmDiscovery.ETC_DIR + "/" + vm.vm().name() + ".xml";
            Optional<String> definition = root.read(etc);
            // a definition without <cputune> pins nothing: every vCPU may run on every CPU
            Vm.Pinning defined = definition.map(x -> {
                try {
                    return dev.kvmtune.facts.vm.DomainXml.parse(x, etc).pinning();
                } catch (BadInputException e) {
                    return null;
                }
            }).orElse(null);
            boolean hasDefinition = definition.isPresent();
            Vm.Pinning running = vm.vm().pinning();
            CpuSet all = ctx.facts().cpu().online();
            List<String> evidence = new ArrayList<>();
            List<String> differ = new ArrayList<>();
            for (VmThread t : vm.byRole("vcpu")) {
                if (t.vcpu() == null) continue;
                CpuSet d = Vm.Pinning.vcpu(defined, t.vcpu(), all);
                CpuSet l = Vm.Pinning.vcpu(running, t.vcpu(), all);
                CpuSet cg = root.read("proc/" + vm.vm().pid() + "/task/" + t.tid() + "/cgroup").map(x -> Cgroups.of(x, "cpuset"))
                        .flatMap(g -> root.read(g.file("cpuset.cpus"))).map(String::strip).filter(x -> !x.isEmpty())
                        .map(CpuSet::parseList).orElse(null);
                CpuSet th = t.allowed();
                evidence.add("vCPU" + t.vcpu() + ": defined " + (!hasDefinition ? "?" : d.toList()) + ", live " + l.toList() + ", cgroup "
                        + (cg == null ? "?" : cg.toList()) + ", thread " + (th == null ? "?" : th.toList()));
                if (hasDefinition && !d.equals(l)) differ.add("vCPU" + t.vcpu() + " live " + l.toList() + " but defined " + d.toList() + " (lost at the next start)");
                if (cg != null && !cg.equals(l)) differ.add("vCPU" + t.vcpu() + " cgroup cpuset " + cg.toList() + " but libvirt says " + l.toList());
                if (th != null && !th.equals(cg != null ? th.intersect(cg) : th)) differ.add("vCPU" + t.vcpu() + " thread allowed " + th.toList() + " outside its cgroup");
                if (th != null && !th.equals(l) && l.containsAll(th)) {
                    differ.add("vCPU" + t.vcpu() + " thread allowed " + th.toList() + " but libvirt pins " + l.toList() + " (set behind libvirt)");
                }
            }
            if (evidence.isEmpty()) return;
            boolean ok = differ.isEmpty();
            out.add(finding(vm, ok ? Severity.PASS : Severity.WARN)
                    .title("its vCPU pins agree in the definition, libvirt's live state, the cgroup and the threads")
                    .why("libvirt keeps a domain's pins in its definition (used at the next start) and its live state, and enforces them "
                            + "with a cpuset cgroup per vCPU. A pin set behind libvirt (taskset, a script) or with --live only holds until "
                            + "the domain restarts; a thread's affinity outside its cgroup's cpuset cannot take effect.")
                    .evidence(evidence)
                    .expected("the same CPUs in all four")
                    .actual(ok ? "the same" : String.join("; ", differ))
                    .fix(ok ? null : new Finding.Fix("virsh vcpupin " + vm.vm().name() + " VCPU CPULIST --live --config",
                            "virsh vcpupin " + vm.vm().name() + " VCPU CPULIST --config"))
                    .reference("libvirt formatdomain.html#cpu-tuning; virsh(1) vcpupin")
                    .build());
        }
    }

    /**
     * With RT group scheduling (CONFIG_RT_GROUP_SCHED, cgroup v1's cpu.rt_runtime_us), a task may
     * only become SCHED_FIFO/RR in a cgroup with an RT budget; libvirt puts each domain, and each of
     * its vCPUs, in cgroups of their own under machine(.slice), created with cpu.rt_runtime_us 0, so
     * a domain with a fifo vcpusched fails to start ("Cannot set scheduler parameters ...: Operation
     * not permitted"). kernel.sched_rt_runtime_us=-1 turns RT bandwidth off, and with it the check.
     */
    static final class RtGroupBudget extends PerVm {
        public String id() {
            return "vm.vcpusched.rt_group_budget";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            boolean wantsRt = vm.byRole("vcpu").stream().anyMatch(t -> t.policy() == SchedPolicy.FIFO || t.policy() == SchedPolicy.RR)
                    || (vm.vm().pinning() != null && vm.vm().pinning().vcpusched().values().stream().anyMatch(x -> x.startsWith("fifo") || x.startsWith("rr")));
            if (!wantsRt) return;
            var root = ctx.root();
            String mount = Cgroups.rtGroupMount(root).orElse(null);
            if (mount == null) return; // no RT group scheduling (or cgroup v2, which has none): nothing to budget
            String limit = root.read("proc/sys/kernel/sched_rt_runtime_us").map(String::strip).orElse(null);
            List<String> evidence = new ArrayList<>();
            evidence.add(mount + "/cpu.rt_runtime_us = " + root.read(mount + "/cpu.rt_runtime_us").map(String::strip).orElse("?"));
            evidence.add("proc/sys/kernel/sched_rt_runtime_us = " + (limit == null ? "unreadable" : limit));
            // the groups between the root and the VM's vCPUs: the running QEMU's own, else libvirt's machine group
            List<String> groups = new ArrayList<>();
            Integer pid = vm.vm().pid();
            // the QEMU's group without the emulator/vcpuN/iothreadN group libvirt puts its main thread in
            String own = pid == null ? null : root.read("proc/" + pid + "/cgroup").map(x -> Cgroups.of(x, "cpu"))
                    .filter(g -> !g.mount().equals("sys/fs/cgroup")).map(g -> g.path().replaceFirst("/(emulator|vcpu\\d+|iothread\\d+)$", ""))
                    .orElse(null);
            if (own != null && !own.equals("/")) {
                String g = "";
                for (String part : own.substring(1).split("/")) {
                    g += "/" + part;
                    groups.add(g);
                }
            } else {
                for (String g : List.of("/machine.slice", "/machine")) if (root.exists(mount + g + "/cpu.rt_runtime_us")) groups.add(g);
            }
            List<String> zero = new ArrayList<>();
            for (String g : groups) {
                String v = root.read(mount + g + "/cpu.rt_runtime_us").map(String::strip).orElse(null);
                if (v == null) continue;
                evidence.add(mount + g + "/cpu.rt_runtime_us = " + v);
                if (v.equals("0")) zero.add(mount + g);
            }
            boolean unthrottled = "-1".equals(limit);
            boolean ok = unthrottled || (!groups.isEmpty() && zero.isEmpty());
            Severity sev = ok ? Severity.PASS : groups.isEmpty() ? Severity.WARN : Severity.FAIL;
            out.add(finding(vm, sev)
                    .title("its SCHED_FIFO vCPUs can run under RT group scheduling")
                    .why("This kernel schedules real-time tasks per cgroup (RT group scheduling): a thread may become SCHED_FIFO or "
                            + "SCHED_RR only in a cgroup with an RT budget (cpu.rt_runtime_us above 0). libvirt puts each domain and each "
                            + "of its vCPUs in cgroups of their own under its machine group, created with no budget, so the fifo "
                            + "vcpusched of a realtime domain fails and the domain does not start (\"Cannot set scheduler parameters: "
                            + "Operation not permitted\"). kernel.sched_rt_runtime_us=-1, which the realtime profiles set anyway, turns RT "
                            + "bandwidth off and the check with it.")
                    .evidence(evidence)
                    .expected("kernel.sched_rt_runtime_us = -1, or an RT budget in every cgroup above the vCPUs")
                    .actual(ok ? (unthrottled ? "RT bandwidth off (-1)" : "every group has a budget")
                            : groups.isEmpty() ? "RT group scheduling on and libvirt's machine group not created yet: it will have no budget"
                            : "no RT budget in " + String.join(", ", zero))
                    .fix(ok ? null : new Finding.Fix("sysctl -w kernel.sched_rt_runtime_us=-1",
                            "echo 'kernel.sched_rt_runtime_us = -1' > /etc/sysctl.d/90-kvmtune-rt.conf"))
                    .reference("Documentation/scheduler/sched-rt-group.rst; libvirt formatdomain.html#cpu-tuning")
                    .build());
        }
    }

    static final class NotUnderstood extends PerVm {
        public String id() {
            return "vm.model.not_understood";
        }

        void check(AuditContext ctx, VmFacts vm, List<Finding> out) {
            if (vm.vm().notUnderstood().isEmpty()) return;
            out.add(finding(vm, Severity.INFO)
                    .title("parts of the VM's configuration were not read")
                    .why("Checks about this VM only see what kvmtune could read; what is listed here was skipped.")
                    .evidence(vm.vm().notUnderstood())
                    .expected("everything read")
                    .actual(vm.vm().notUnderstood().size() + " items skipped")
                    .fix(null)
                    .reference("QEMU docs/system/invocation")
                    .build());
        }
    }
}
