package dev.kvmtune.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * How the host's CPUs and hugepages are split between housekeeping and the VMs.
 *
 * @param housekeeping online CPUs the host's own work runs on (boot CPU always among them)
 * @param isolated     online CPUs reserved for realtime vCPUs, in whole cores
 * @param offline      CPUs that are not online: in neither set
 * @param cpus         one row per CPU, in CPU order
 * @param vms          placements in the order the VMs were requested
 * @param hugepages    pages to reserve, per node and page size, sorted
 * @param notes        what the partitioner decided that a reader should know
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Partition(CpuSet housekeeping, CpuSet isolated, CpuSet offline, List<CpuRow> cpus, List<VmPlacement> vms,
                        List<Hugepages> hugepages, List<String> notes) {

    public Partition {
        cpus = List.copyOf(cpus);
        vms = List.copyOf(vms);
        hugepages = List.copyOf(hugepages);
        notes = List.copyOf(notes);
    }

    /** A CPU's place: role housekeeping, vcpu, isolated-spare (an idle SMT sibling of a vCPU's core) or offline. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuRow(int cpu, int socket, int core, int node, String role, String vm, Integer vcpu) {
    }

    /**
     * Where one VM runs.
     *
     * @param node          the NUMA node of its vCPUs and memory; null when its memory is not bound
     * @param vcpuPins      realtime VMs: the host CPU of each vCPU, by vCPU index; empty otherwise
     * @param vcpuCpus      the CPUs its vCPUs may run on (the pins, or a shared set)
     * @param emulatorCpus  the CPUs of its emulator, I/O and iothreads: housekeeping
     * @param hugepageKb    page size backing its memory in kB; 0 for normal pages
     * @param hugepageCount pages of that size
     * @param cores         guest topology: cores per socket; threads per core is 1 (one vCPU per host core)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VmPlacement(String name, boolean rt, int vcpus, long memoryKb, Integer node, List<Integer> vcpuPins,
                              CpuSet vcpuCpus, CpuSet emulatorCpus, int iothreads, long hugepageKb, long hugepageCount, int cores,
                              List<String> disks) {
        public VmPlacement {
            vcpuPins = List.copyOf(vcpuPins);
            disks = List.copyOf(disks);
        }
    }

    /** {@code count} pages of {@code pageSizeKb} on {@code node}. */
    public record Hugepages(int node, long pageSizeKb, long count) {
    }

    public VmPlacement vm(String name) {
        for (VmPlacement v : vms) if (v.name().equals(name)) return v;
        return null;
    }
}
