package dev.kvmtune.plan.render;

import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.plan.Partition;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.Planner;
import java.util.ArrayList;
import java.util.List;

/**
 * For people without libvirt: {@code qemu/VM.args}, the QEMU arguments that carry the same choices
 * as the domain XML, one per line ({@code grep -v '^#' VM.args | xargs -d '\n' qemu-system-x86_64}),
 * and {@code qemu/VM-pin.sh}, which pins a running VM's threads by role: QEMU names them with
 * {@code -name ...,debug-threads=on} ("CPU 0/KVM", "IO iothread1", ...), so the script needs no QMP.
 */
public final class QemuArgsRenderer {
    private QemuArgsRenderer() {
    }

    public static List<RenderedFile> render(Plan plan, RenderInputs inputs) {
        List<RenderedFile> out = new ArrayList<>();
        for (Partition.VmPlacement vm : plan.partition().vms()) {
            out.add(RenderedFile.text("qemu/" + vm.name() + ".args", args(plan, vm, inputs)));
            out.add(new RenderedFile("qemu/" + vm.name() + "-pin.sh", pinScript(plan, vm), true));
        }
        return out;
    }

    /** The QEMU binary for the host's architecture (x86_64 when the plan does not say). */
    static String binary(String arch) {
        return arch == null || arch.equals("x86_64") ? "qemu-system-x86_64" : arch.equals("ppc64le") ? "qemu-system-ppc64" : "qemu-system-" + arch;
    }

    /**
     * The argument lines, without comments. x86 gets its paravirtual features (PV EOI, kvmclock, the
     * dedicated-vCPU hint); arm64 runs the virt board with the host's GIC, POWER the pseries machine.
     */
    public static List<String> argv(Partition.VmPlacement vm, RenderInputs inputs, String arch) {
        boolean x86 = arch == null || arch.equals("x86_64");
        List<String> a = new ArrayList<>();
        a.add("-name");
        a.add(vm.name() + ",debug-threads=on");
        if ("aarch64".equals(arch) || "ppc64le".equals(arch)) {
            a.add("-machine");
            a.add("aarch64".equals(arch) ? "virt,gic-version=host" : "pseries");
        }
        a.add("-accel");
        a.add("kvm");
        a.add("-cpu");
        if (x86) a.add(vm.rt() ? "host,pmu=off,kvm-pv-eoi=on,kvmclock=off,kvm-hint-dedicated=on" : "host,kvm-pv-eoi=on,kvmclock=on");
        else a.add(vm.rt() && "aarch64".equals(arch) ? "host,pmu=off" : "host");
        a.add("-smp");
        a.add(vm.vcpus() + (x86 ? ",sockets=1,dies=1,cores=" : ",sockets=1,cores=") + vm.vcpus() + ",threads=1");
        a.add("-m");
        a.add(vm.memoryKb() + "K");
        if (vm.hugepageKb() > 0) {
            String backend = "memory-backend-memfd,id=mem0,size=" + vm.memoryKb() + "K,hugetlb=on,hugetlbsize=" + vm.hugepageKb() + "K,prealloc=on";
            if (vm.node() != null) backend += ",host-nodes=" + vm.node() + ",policy=bind";
            a.add("-object");
            a.add(backend);
            a.add("-numa");
            a.add("node,nodeid=0,cpus=" + LibvirtDomainRenderer.vcpuRange(vm) + ",memdev=mem0");
        }
        if (vm.rt()) {
            a.add("-overcommit");
            a.add("mem-lock=on");
        }
        for (int i = 1; i <= vm.iothreads(); i++) {
            a.add("-object");
            a.add("iothread,id=iothread" + i);
        }
        for (int i = 0; i < vm.disks().size(); i++) {
            String file = vm.disks().get(i);
            Qcow2 q = inputs.images().get(file);
            String fmt = q != null || file.endsWith(".qcow2") ? "qcow2" : "raw";
            String drive = "file=" + file.replace(",", ",,") + ",if=none,id=disk" + i + ",format=" + fmt + ",cache=none,aio=native";
            if (q != null) drive += "," + q.driveOptions();
            a.add("-drive");
            a.add(drive);
            a.add("-device");
            a.add("virtio-blk-pci,drive=disk" + i + (vm.iothreads() > 0 ? ",iothread=iothread1" : ""));
        }
        return a;
    }

    static String args(Plan plan, Partition.VmPlacement vm, RenderInputs inputs) {
        StringBuilder sb = new StringBuilder(Header.lines("#", plan, "QEMU arguments for " + vm.name() + ": "
                + LibvirtDomainRenderer.summary(vm) + "."));
        sb.append("# Start: grep -v '^#' ").append(vm.name()).append(".args | xargs -d '\\n' ").append(binary(plan.host().arch()))
                .append(" <your -drive/-netdev/-qmp ...>\n");
        sb.append("# then pin its threads: ./").append(vm.name()).append("-pin.sh\n");
        sb.append("# No balloon device is added: a balloon would hand pinned hugepage memory back and forth.\n");
        for (String s : argv(vm, inputs, plan.host().arch())) sb.append(s).append('\n');
        return sb.toString();
    }

    static String pinScript(Plan plan, Partition.VmPlacement vm) {
        StringBuilder sb = new StringBuilder("#!/bin/sh\n");
        sb.append(Header.lines("#", plan, "Pins the threads of the running VM " + vm.name() + " by role (needs root, taskset and chrt)."));
        sb.append("# Usage: ").append(vm.name()).append("-pin.sh [QEMU_PID]   (default: the QEMU started with -name ").append(vm.name()).append(",...)\n");
        sb.append("set -eu\n");
        sb.append("pid=${1:-$(pgrep -f -- '-name (guest=)?").append(vm.name()).append(",' | head -n 1)}\n");
        sb.append("[ -n \"$pid\" ] && [ -d \"/proc/$pid/task\" ] || { echo \"").append(vm.name())
                .append("-pin.sh: no QEMU process for ").append(vm.name()).append("\" >&2; exit 2; }\n");
        sb.append("emulator=").append(vm.emulatorCpus().toList()).append('\n');
        sb.append("vcpus=").append(vm.vcpuCpus().toList()).append('\n');
        sb.append("for task in /proc/$pid/task/*; do\n");
        sb.append("  tid=${task##*/}\n");
        sb.append("  comm=$(cat \"$task/comm\" 2>/dev/null) || continue\n");
        sb.append("  case \"$comm\" in\n");
        if (vm.rt()) {
            for (int i = 0; i < vm.vcpuPins().size(); i++) {
                sb.append("    \"CPU ").append(i).append("/KVM\"|\"CPU ").append(i).append("/TCG\") taskset -pc ").append(vm.vcpuPins().get(i))
                        .append(" \"$tid\" >/dev/null && chrt -f -p ").append(Planner.VCPU_FIFO_PRIORITY).append(" \"$tid\" ;;\n");
            }
            sb.append("    \"CPU \"*) echo \"").append(vm.name()).append("-pin.sh: vCPU thread '$comm' is not in the plan\" >&2; exit 3 ;;\n");
        } else {
            sb.append("    \"CPU \"*) taskset -pc \"$vcpus\" \"$tid\" >/dev/null ;;\n");
        }
        sb.append("    *) taskset -pc \"$emulator\" \"$tid\" >/dev/null ;;\n");
        sb.append("  esac\n");
        sb.append("done\n");
        sb.append("# The kernel threads KVM and vhost start for this VM (vhost-PID before Linux 6.4, the in-kernel PIT's kvm-pit/PID): housekeeping too.\n");
        sb.append("for tid in $(pgrep -x \"vhost-$pid|kvm-pit/$pid\" || true); do taskset -pc \"$emulator\" \"$tid\" >/dev/null; done\n");
        sb.append("echo \"").append(vm.name()).append(": threads of $pid pinned\"\n");
        return sb.toString();
    }
}
