package dev.kvmtune.exits;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.exits.ExitProfile.CounterRow;
import dev.kvmtune.exits.ExitProfile.MsrRow;
import dev.kvmtune.exits.ExitProfile.ReasonRow;
import dev.kvmtune.exits.ExitReasons.Kind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 001's reading of an exit profile, tied to the VM when it is known: which exits come from
 * which device model or guest behaviour, what removes them, and what that costs. A kind of exit is
 * discussed when it is at least 5% of all exits or 1000 per second.
 */
public final class ExitDiagnosis {
    static final double SHARE = 5.0;
    static final double RATE = 1000.0;

    /**
     * @param id       stable dotted id (exits.mmio.emulated_nic ...)
     * @param severity warn (something to change) or info (what it means)
     * @param evidence the counts it rests on
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Finding(String id, String severity, String evidence, String why, String fix, String cost) {
    }

    private ExitDiagnosis() {
    }

    /** Counts by kind, from exit reasons when the input has them, else from KVM counters. */
    record Amount(long count, long total, Double perSecond, String evidence) {
        double share() {
            return total == 0 ? 0 : 100.0 * count / total;
        }

        boolean significant() {
            return count > 0 && (share() >= SHARE || (perSecond != null && perSecond >= RATE));
        }
    }

    public static List<Finding> diagnose(ExitProfile p) {
        Map<Kind, Amount> kinds = amounts(p);
        VmContext vm = p.vm();
        List<Finding> out = new ArrayList<>();
        long counted = p.events() + p.counters().stream().filter(c -> c.name().equals("exits")).mapToLong(CounterRow::delta).sum();
        if (counted == 0 && p.msrs().isEmpty()) {
            out.add(new Finding("exits.none", "info", "no VM exits in " + p.input(),
                    "The input holds no exit events: the VM was idle, stopped, or the source could not see its exits "
                            + "(a nested hypervisor may not emit kvm_exit; QMP query-stats still counts them).",
                    "Record while the workload runs; try --source qmp.", null));
            return out;
        }
        // arm64 and riscv64 exits are named by the trace itself; the advice keeps the seeds' reasoning in their terms
        boolean x86 = !"ARM64".equals(p.isa()) && !"RISCV64".equals(p.isa());
        Amount mmio = kinds.get(Kind.MMIO);
        if (mmio != null && mmio.significant()) out.add(mmio(mmio, vm, x86));
        Amount io = kinds.get(Kind.IO);
        if (io != null && io.significant()) out.add(pio(io, vm));
        Amount hlt = kinds.get(Kind.HLT);
        if (hlt != null && hlt.significant()) out.add(x86 ? halt(hlt, vm) : wfi(hlt, vm, p.isa()));
        Amount pause = kinds.get(Kind.PAUSE);
        if (pause != null && pause.significant()) out.add(pause(pause, vm));
        Amount msr = kinds.get(Kind.MSR);
        if (msr != null && msr.significant() && !x86) out.add(sysreg(msr));
        else if (msr != null && msr.significant()) out.addAll(msr(msr, p.msrs(), vm, p.seconds()));
        else if (!p.msrs().isEmpty() && p.events() == 0) out.addAll(msr(null, p.msrs(), vm, p.seconds()));
        Amount ext = kinds.get(Kind.EXTERNAL_INTERRUPT);
        if (ext != null && ext.significant()) out.add(external(ext, vm));
        Amount win = kinds.get(Kind.INTERRUPT_WINDOW);
        if (win != null && win.significant()) {
            out.add(new Finding("exits.interrupt_window", "info", win.evidence(),
                    "KVM had an interrupt to inject but the guest had interrupts disabled, so it asked to exit as soon as the guest "
                            + "could take it. It follows the interrupt rate (device IRQs, timer, IPIs).",
                    "APICv with posted interrupts (kvm_intel enable_apicv=Y, on by default where the CPU has it) delivers interrupts "
                            + "without this exit; fewer interrupts to the guest (virtio event_idx, interrupt coalescing) also help.", null));
        }
        for (CounterRow c : p.counters()) {
            if (!c.name().equals("insn_emulation") || p.seconds() == null || c.delta() / p.seconds() < RATE) continue;
            out.add(new Finding("exits.insn_emulation", "info",
                    String.format(Locale.ROOT, "insn_emulation: %d (%.0f/s)", c.delta(), c.delta() / p.seconds()),
                    "KVM emulated guest instructions itself: real-mode or firmware code, or instructions touching emulated "
                            + "MMIO. A booted guest with virtio devices emulates few; a guest still in its firmware emulates many.",
                    "If the guest is up, look for the device behind it (MMIO exits above, kvmtune vms for emulated models).", null));
        }
        return out;
    }

    private static Finding mmio(Amount a, VmContext vm, boolean x86) {
        List<String> emulated = vm == null ? List.of() : vm.nics().stream().filter(ExitDiagnosis::emulatedNic).toList();
        if (!emulated.isEmpty()) {
            return new Finding("exits.mmio.emulated_nic", "warn", a.evidence() + "; NIC " + String.join(", ", emulated),
                    "Emulated MMIO: the guest drives the " + emulated.get(0) + " NIC through its registers and every register access "
                            + "traps into QEMU. Seed 001 measured about 61900 EPT_MISCONFIG/s for e1000 under a web load against 6700/s "
                            + "for virtio-net with the same load.",
                    "Give the VM virtio-net with vhost: -netdev tap,id=n0,vhost=on -device virtio-net-pci,netdev=n0, or in libvirt "
                            + "<model type='virtio'/> and <driver name='vhost'/> (Windows guests need the virtio-net driver).",
                    "none for Linux guests; a driver install for others");
        }
        boolean virtio = vm != null && (vm.nics().stream().anyMatch(n -> n.startsWith("virtio"))
                || vm.disks().stream().anyMatch(d -> d.startsWith("virtio")));
        String why = virtio
                ? "With virtio devices these exits are mostly the guest notifying the host that a virtqueue has work (a 'kick' "
                        + "is a write to a notify address KVM turns into an ioeventfd). They grow with the I/O rate; seed 001 saw "
                        + "about 6700/s for virtio-net and 22000/s for vhost-net under the same load, which then served more requests."
                : x86 ? "EPT_MISCONFIG (npf on AMD) is a guest access to an address with no RAM behind it: emulated device registers or "
                        + "virtio notifications. Which device it is depends on the VM's models."
                : "A stage-2 fault (arm64 DABT_LOW, riscv64 LOAD/STORE_GUEST_PAGE_FAULT): a guest access to an address with no RAM "
                        + "behind it (emulated device registers, virtio notifications) or to guest memory not mapped yet (hugepages "
                        + "and preallocated memory make those rare). Which device it is depends on the VM's models.";
        String fix = virtio
                ? "Expected with virtio. vhost (vhost=on / <driver name='vhost'/>) moves the work into the host kernel; "
                        + "multiqueue and event_idx batch notifications."
                : "Check the VM's device models (kvmtune vms): replace emulated NICs (e1000, rtl8139) and disks (IDE) by virtio ones.";
        return new Finding(virtio ? "exits.mmio.virtio_kick" : "exits.mmio", "info", a.evidence(), why, fix, null);
    }

    private static boolean emulatedNic(String n) {
        return n.startsWith("e1000") || n.startsWith("rtl8139") || n.startsWith("ne2k") || n.startsWith("pcnet") || n.startsWith("vmxnet");
    }

    private static Finding pio(Amount a, VmContext vm) {
        List<String> legacy = vm == null ? List.of() : vm.disks().stream().filter(d -> d.equals("ide") || d.equals("floppy")).toList();
        if (!legacy.isEmpty()) {
            return new Finding("exits.io.pio_disk", "warn", a.evidence() + "; disk bus " + String.join(", ", legacy),
                    "Port I/O: an IDE disk is programmed with IN/OUT instructions, each one an exit to QEMU. Seed 001 measured "
                            + "about 163000 IO_INSTRUCTION/s for an IDE disk under 8k direct I/O, and none with virtio-blk.",
                    "Attach the disk as virtio-blk (-device virtio-blk-pci,drive=...) or virtio-scsi; in libvirt <target bus='virtio'/>.",
                    "the guest must have virtio drivers (a Windows guest needs them before the switch)");
        }
        return new Finding("exits.io", "info", a.evidence(),
                "Port I/O from legacy devices: IDE, the PIT, serial ports, PS/2, VGA, ACPI PM timer reads. A modern Linux guest "
                        + "with virtio devices makes few of them.",
                "Find the device with perf kvm stat report --event=ioport, then move it to virtio or remove it (-nodefaults).", null);
    }

    private static Finding halt(Amount a, VmContext vm) {
        boolean dedicated = vm != null && Boolean.TRUE.equals(vm.dedicated());
        String fix = dedicated
                ? "The vCPUs have CPUs of their own, so the guest may idle without exiting: -overcommit cpu-pm=on (libvirt "
                        + "<features><kvm><hint-dedicated state='on'/></kvm></features> with <cpu mode='host-passthrough'> and "
                        + "cpu-pm), or in the guest the cpuidle-haltpoll driver (poll before halting), or idle=poll on the guest "
                        + "command line."
                : "Leave them: the vCPUs " + (vm == null || vm.dedicated() == null ? "may " : "") + "share host CPUs, and an exit on idle is what gives the "
                        + "CPU back. Host-side halt polling (kvm halt_poll_ns) already shortens wake-ups.";
        return new Finding("exits.hlt", "info", a.evidence(),
                "The guest ran out of work and executed HLT; KVM takes the vCPU off the CPU until an interrupt arrives. Seed 001: "
                        + "32/s for an idle guest, thousands per second under request/response load as the guest idles between requests.",
                fix, "no HLT exits means the host sees the vCPU 100% busy: its CPU cannot be shared or save power, and steal "
                        + "time stops telling the truth about idleness");
    }

    /** The HLT of arm64 (WFI/WFE trapped as WFx) and riscv64 (WFI trapped as a virtual instruction fault). */
    private static Finding wfi(Amount a, VmContext vm, String isa) {
        boolean dedicated = vm != null && Boolean.TRUE.equals(vm.dedicated());
        boolean arm = "ARM64".equals(isa);
        return new Finding("exits.hlt", "info", a.evidence(),
                "The guest ran out of work and executed WFI" + (arm ? " (or spun with WFE)" : "") + "; KVM takes the vCPU off the CPU until "
                        + "an interrupt arrives, as x86 does for HLT (seed 001: 32/s idle, thousands per second under request/response load).",
                dedicated && arm ? "The vCPUs have CPUs of their own: kvm-arm.wfi_trap_policy=notrap and kvm-arm.wfe_trap_policy=notrap on the "
                        + "host's command line (Linux 6.0+) let the guest idle in place without exiting; or cpuidle-haltpoll in the guest."
                        : "Leave them while vCPUs share host CPUs: the exit on idle is what gives the CPU back; host halt polling "
                        + "(kvm halt_poll_ns) shortens wake-ups.",
                "without the exit the host sees the vCPU 100% busy: its CPU cannot be shared or save power");
    }

    /** arm64's counterpart of MSR exits: system register accesses the hardware does not virtualize. */
    private static Finding sysreg(Amount a) {
        return new Finding("exits.msr", "info", a.evidence(),
                "System register accesses (MSR/MRS on arm64, CSR accesses on riscv64) that the hardware does not virtualize exit to "
                        + "KVM: PMU, debug and some timer and cache-maintenance registers. Which register it is decides the remedy.",
                "Record kvm:kvm_sys_access (arm64) beside kvm_exit to see the registers; a guest that needs no PMU (QEMU -cpu ...,pmu=off) "
                        + "traps fewer.", null);
    }

    private static Finding pause(Amount a, VmContext vm) {
        boolean dedicated = vm != null && Boolean.TRUE.equals(vm.dedicated());
        return new Finding("exits.pause.ple", dedicated ? "warn" : "info", a.evidence(),
                "Pause-loop exiting: a vCPU spun on a lock long enough (PLE window) that KVM exited to let another vCPU, maybe "
                        + "the lock holder, run. That helps when vCPUs share CPUs and is pure overhead when each vCPU has its own.",
                dedicated ? "The vCPUs are dedicated: load kvm_intel with ple_gap=0 (kvm_amd pause_filter_count=0), in "
                        + "/etc/modprobe.d/kvm.conf, so a spinning vCPU keeps spinning in the guest."
                        : "Keep PLE while vCPUs share CPUs; set ple_gap=0 only once every vCPU is pinned to a CPU of its own.",
                "with ple_gap=0 and overcommitted vCPUs, a preempted lock holder makes waiters spin for a whole time slice");
    }

    private static List<Finding> msr(Amount a, List<MsrRow> msrs, VmContext vm, Double seconds) {
        List<Finding> out = new ArrayList<>();
        long total = msrs.stream().mapToLong(MsrRow::total).sum();
        if (total == 0) {
            out.add(new Finding("exits.msr", "info", a.evidence(),
                    "MSR reads and writes that the CPU does not virtualize exit to KVM. Which MSR it is decides the remedy.",
                    "Record the kvm:kvm_msr event as well (exits record --source tracefs does) to see the MSR breakdown.", null));
            return out;
        }
        for (MsrRow m : msrs) {
            double share = 100.0 * m.total() / total;
            if (share < 5) continue;
            long idx = Long.decode(m.msr());
            String ev = String.format(Locale.ROOT, "MSR %s %s: %d accesses (%.1f%% of MSR accesses%s)", m.msr(), m.name() == null ? "" : m.name(),
                    m.total(), share, seconds == null ? "" : String.format(Locale.ROOT, ", %.0f/s", m.total() / seconds));
            if (idx == 0x80b) {
                boolean pvEoi = vm != null && Boolean.TRUE.equals(vm.pvEoi());
                out.add(new Finding("exits.msr.eoi", pvEoi ? "info" : "warn", ev,
                        "x2APIC EOI writes: the guest acknowledges each interrupt by writing the EOI register, and without "
                                + "APICv each write exits.",
                        pvEoi ? "PV EOI is already on for this VM; the guest kernel must use it (CONFIG_KVM_GUEST) — check "
                                + "the guest's dmesg for 'kvm-guest: PV EOI' or similar. APICv (enable_apicv=Y) removes these exits in hardware."
                                : "Turn on PV EOI: -cpu host,+kvm-pv-eoi, or libvirt <features><apic eoi='on'/></features>; the guest then "
                                + "skips the EOI write when nothing else is pending. APICv removes these exits in hardware where present.",
                        null));
            } else if (idx == 0x830) {
                out.add(new Finding("exits.msr.icr", "warn", ev,
                        "x2APIC ICR writes: the guest sends an IPI (reschedule, TLB shootdown, function call) per write. Seed 001 "
                                + "saw 23000/s under a network load, each then waking the target vCPU (RES interrupts on the host).",
                        "Use PV IPIs (kvm-pv-ipi, on with -cpu host in current QEMU; guest Linux 4.19+) so a multicast IPI is one "
                                + "hypercall, and posted interrupts / IPI virtualization where the CPU has them. Fewer vCPUs per VM "
                                + "and pinned, dedicated vCPUs cut cross-vCPU wake-ups.", null));
            } else if (idx == 0x6e0) {
                out.add(new Finding("exits.msr.tsc_deadline", "info", ev,
                        "TSC-deadline writes: the guest programs its local APIC timer for the next timer event. Seed 001: three to "
                                + "four hundred per second; it follows the guest's tick rate and hrtimer use.",
                        "A tickless guest (nohz, nohz_full on its realtime vCPUs) arms it less. On the host, the VMX preemption "
                                + "timer (kvm_intel preemption_timer=Y) keeps the emulation cheap.", null));
            } else if (idx == 0x838) {
                out.add(new Finding("exits.msr.timer_initial_count", "info", ev,
                        "Writes of the APIC timer's initial count: the guest uses the one-shot/periodic APIC timer, not TSC deadline.",
                        "Expose tsc-deadline in the CPU model (-cpu host, or +tsc-deadline) so the guest uses the cheaper deadline mode.", null));
            }
        }
        return out;
    }

    private static Finding external(Amount a, VmContext vm) {
        List<String> irqs = vm == null || vm.irqsOnVcpuCpus() == null ? List.of() : vm.irqsOnVcpuCpus();
        if (!irqs.isEmpty()) {
            return new Finding("exits.external_interrupt.irq_affinity", "warn",
                    a.evidence() + "; host IRQs allowed on the vCPUs' CPUs: " + String.join("; ", irqs.subList(0, Math.min(8, irqs.size())))
                            + (irqs.size() > 8 ? " (+" + (irqs.size() - 8) + " more)" : ""),
                    "A host interrupt arrived on a CPU while a vCPU ran there, so the vCPU exited for the host to handle it. Device "
                            + "interrupts allowed on the vCPUs' CPUs land there.",
                    "Keep device IRQs on housekeeping CPUs: kvmtune plan then apply sets every IRQ's smp_affinity and irqbalance's "
                            + "banned CPUs; isolcpus/nohz_full on the vCPU CPUs remove most timer ticks.", null);
        }
        return new Finding("exits.external_interrupt", "info", a.evidence(),
                "A host interrupt arrived while a vCPU ran: device IRQs, the host's timer tick (LOC) or IPIs (RES). Seed 001 "
                        + "sent NIC interrupts to CPU 0 and ran vCPUs on CPUs 2-3 to keep them out.",
                "Check that device IRQs avoid the vCPU CPUs (kvmtune audit, irq rules) and that those CPUs are nohz_full; "
                        + "kvmtune ticks shows the remaining local timer and RES rates per CPU.", null);
    }

    /** Per kind: exits from reasons, or from KVM counters when the input has only counters. */
    static Map<Kind, Amount> amounts(ExitProfile p) {
        Map<Kind, Amount> out = new EnumMap<>(Kind.class);
        Double s = p.seconds();
        if (p.events() > 0) {
            Map<Kind, long[]> sum = new EnumMap<>(Kind.class);
            Map<Kind, StringBuilder> names = new EnumMap<>(Kind.class);
            for (ReasonRow r : p.reasons()) {
                Kind k = Kind.valueOf(r.kind());
                sum.computeIfAbsent(k, x -> new long[1])[0] += r.count();
                names.computeIfAbsent(k, x -> new StringBuilder()).append(names.get(k).length() == 0 ? "" : " + ").append(r.reason());
            }
            sum.forEach((k, v) -> out.put(k, new Amount(v[0], p.events(), s == null ? null : v[0] / s, evidence(names.get(k).toString(), v[0], p.events(), s))));
            return out;
        }
        long total = 0;
        for (CounterRow c : p.counters()) {
            if (c.name().equals("exits")) total = c.delta();
        }
        for (CounterRow c : p.counters()) {
            Kind k = switch (c.name()) {
                case "halt_exits" -> Kind.HLT;
                case "io_exits" -> Kind.IO;
                case "mmio_exits" -> Kind.MMIO;
                case "irq_exits" -> Kind.EXTERNAL_INTERRUPT;
                case "irq_window_exits" -> Kind.INTERRUPT_WINDOW;
                default -> null;
            };
            if (k == null) continue;
            out.put(k, new Amount(c.delta(), total, s == null ? null : c.delta() / s, evidence(c.name(), c.delta(), total, s)));
        }
        return out;
    }

    private static String evidence(String what, long n, long total, Double s) {
        return String.format(Locale.ROOT, "%s: %d exits (%.1f%%%s)", what, n, total == 0 ? 0.0 : 100.0 * n / total,
                s == null ? "" : String.format(Locale.ROOT, ", %.0f/s", n / s));
    }
}
