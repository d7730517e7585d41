package dev.kvmtune.facts.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.util.CpuSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running VM's memory: what the guest was given, how it is backed, what its QEMU process holds
 * (RSS and PSS, and hugetlb apart, since the kernel counts hugetlbfs pages in neither), and where it
 * sits: the NUMA nodes of its pages ({@code numa_maps}) against the nodes its vCPU threads may run on.
 *
 * @param guestKb      guest RAM from the VM model (-m, libvirt memory); absent when it does not say
 * @param backing      hugetlb (with the page size when stated), file, memfd or ram (anonymous)
 * @param overheadKb   RSS + hugetlb − guest RAM: what QEMU holds beyond the guest's RAM; negative
 *                     while the guest has not touched all of its RAM
 * @param vcpuNodes    nodes the vCPU threads are confined to; absent when they may run anywhere
 * @param kbByNode     the process's resident kB per node, hugetlb included
 * @param localPercent share of those kB on the vCPU nodes; absent when unpinned or not read
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmMemory(String name, int pid, Long guestKb, String backing, Long rssKb, Long pssKb, Long hugetlbKb,
                       Long overheadKb, List<Integer> vcpuNodes, Map<Integer, Long> kbByNode, Double localPercent) {

    /** The VM's memory from its QEMU process's reading; nodes give which CPUs belong to which node. */
    public static VmMemory of(VmFacts vm, ProcessMemory p, List<NumaNode> nodes) {
        Vm.Memory m = vm.vm().memory();
        Long guest = m == null || m.bytes() == null ? null : m.bytes() / 1024;
        Long rss = p == null ? null : p.get(MemColumn.RSS);
        Long huge = p == null ? null : p.get(MemColumn.HUGETLB);
        Long overhead = guest == null || rss == null ? null : rss + (huge == null ? 0 : huge) - guest;
        List<Integer> vcpuNodes = vcpuNodes(vm, nodes);
        Map<Integer, Long> byNode = p == null || p.numa() == null ? null : p.numa().kbByNode();
        Double local = null;
        if (byNode != null && vcpuNodes != null) {
            long all = 0;
            long here = 0;
            for (Map.Entry<Integer, Long> e : byNode.entrySet()) {
                all += e.getValue();
                if (vcpuNodes.contains(e.getKey())) here += e.getValue();
            }
            if (all > 0) local = Math.round(1000.0 * here / all) / 10.0;
        }
        return new VmMemory(vm.label(), vm.vm().pid() == null ? -1 : vm.vm().pid(), guest, backing(m), rss,
                p == null ? null : p.get(MemColumn.PSS), huge, overhead, vcpuNodes, byNode, local);
    }

    /** How the guest's RAM is backed. */
    static String backing(Vm.Memory m) {
        if (m == null) return null;
        if (Boolean.TRUE.equals(m.hugepages())) {
            return m.pageSize() == null ? "hugetlb" : "hugetlb " + (m.pageSize() >= 1L << 30 ? (m.pageSize() >> 30) + "G" : (m.pageSize() >> 20) + "M");
        }
        return m.backend();
    }

    /**
     * The nodes whose CPUs hold every vCPU thread's allowed set, when the threads are confined to
     * fewer nodes than the host has (on a single-node host, that node); null when they may run on
     * several nodes of all there are, or when it is not known.
     */
    static List<Integer> vcpuNodes(VmFacts vm, List<NumaNode> nodes) {
        List<VmThread> vcpus = vm.byRole("vcpu");
        if (vcpus.isEmpty() || nodes.isEmpty()) return null;
        CpuSet allowed = CpuSet.EMPTY;
        for (VmThread t : vcpus) {
            if (t.allowed() == null) return null;
            allowed = allowed.union(t.allowed());
        }
        TreeMap<Integer, Boolean> hit = new TreeMap<>();
        for (NumaNode n : nodes) {
            if (n.cpus() != null && n.cpus().intersects(allowed)) hit.put(n.id(), true);
        }
        long withCpus = nodes.stream().filter(n -> n.cpus() != null && !n.cpus().isEmpty()).count();
        if (hit.isEmpty() || hit.size() >= withCpus && withCpus > 1) return null;
        return List.copyOf(hit.keySet());
    }
}
