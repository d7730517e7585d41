package dev.kvmtune.exits;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the diagnosis needs to know about the VM behind an exit profile: its device models, the
 * paravirtual features that remove exits, and where its vCPUs run (with the host IRQs that may
 * land there). Kept in recordings so a report made elsewhere still ties exits to the VM.
 *
 * @param nics           NIC models, {@code +vhost} when vhost is on (e1000, virtio-net-pci+vhost)
 * @param disks          disk buses (ide, virtio-blk, virtio-scsi, sata, nvme)
 * @param vcpuCpus       vCPU number → host CPUs it may run on (pins or the threads' affinity)
 * @param dedicated      every vCPU pinned to its own host CPU(s), none shared with another vCPU
 * @param irqsOnVcpuCpus host IRQs whose affinity includes a vCPU's CPU ("35 virtio0-input.0 → 1")
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmContext(String name, Integer pid, String cpuModel, List<String> nics, List<String> disks, Boolean pvEoi,
                        Boolean x2apic, Boolean cpuPm, Boolean hintDedicated, Map<Integer, String> vcpuCpus, Boolean dedicated,
                        List<String> irqsOnVcpuCpus) {

    /** From the VM model, its threads (may be empty) and the host IRQs that overlap its vCPUs' CPUs. */
    public static VmContext of(Vm vm, List<VmThread> threads, List<String> irqsOnVcpuCpus) {
        List<String> nics = new ArrayList<>();
        for (Vm.Nic n : vm.nics()) {
            if (n.model() != null) nics.add(n.model() + (Boolean.TRUE.equals(n.vhost()) ? "+vhost" : ""));
        }
        List<String> disks = new ArrayList<>();
        for (Vm.Disk d : vm.disks()) {
            if (!d.cdrom() && d.bus() != null) disks.add(d.bus());
        }
        Map<Integer, CpuSet> cpus = vcpuCpuSets(vm, threads);
        Map<Integer, String> shown = new TreeMap<>();
        cpus.forEach((k, v) -> shown.put(k, v.toString()));
        return new VmContext(vm.name(), vm.pid(), vm.cpu() == null ? null : vm.cpu().model(), nics, disks, vm.enabled("kvm-pv-eoi"),
                vm.enabled("x2apic"), vm.memory() == null ? null : vm.memory().cpuPm(), vm.enabled("kvm-hint-dedicated"),
                shown.isEmpty() ? null : shown, cpus.isEmpty() ? null : dedicated(cpus, vm.vcpus()), irqsOnVcpuCpus);
    }

    /** vCPU → allowed host CPUs: libvirt vcpupin first, else the vCPU threads' affinity. */
    public static Map<Integer, CpuSet> vcpuCpuSets(Vm vm, List<VmThread> threads) {
        Map<Integer, CpuSet> out = new TreeMap<>();
        if (vm.pinning() != null && vm.pinning().vcpupin() != null) out.putAll(vm.pinning().vcpupin());
        if (out.isEmpty()) {
            for (VmThread t : threads) {
                if (t.vcpu() != null && t.allowed() != null) out.put(t.vcpu(), t.allowed());
            }
        }
        return out;
    }

    private static boolean dedicated(Map<Integer, CpuSet> cpus, int vcpus) {
        if (cpus.size() < vcpus) return false;
        List<CpuSet> seen = new ArrayList<>();
        for (CpuSet s : cpus.values()) {
            for (CpuSet o : seen) {
                if (o.intersects(s)) return false;
            }
            seen.add(s);
        }
        return true;
    }
}
