package dev.kvmtune.plan;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.cpu.CoreClasses;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.numa.HugepagePool;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the partitioner needs of a host, and nothing else: online CPUs grouped into cores, NUMA
 * nodes with their memory, whether 1 GiB pages exist, the boot CPU. Built from facts, or directly
 * by property tests.
 *
 * @param cpus     every possible CPU, online or not, in CPU order
 * @param nodes    NUMA nodes in id order; a host without NUMA information is one node 0
 * @param pdpe1gb  the CPU can map 1 GiB pages
 * @param bootCpu  the CPU the kernel booted on (the lowest online CPU): it keeps housekeeping work
 *                 that cannot move, so it is never isolated
 */
public record HostTopology(List<Cpu> cpus, List<Node> nodes, boolean pdpe1gb, int bootCpu) {

    /**
     * One logical CPU.
     *
     * @param speed how fast its core is against the host's others, larger is faster (the rank of
     *              {@link CoreClasses}); equal on a host whose cores are alike
     */
    public record Cpu(int cpu, boolean online, int socket, int coreId, int node, CpuSet siblings, int speed) {
        public Cpu(int cpu, boolean online, int socket, int coreId, int node, CpuSet siblings) {
            this(cpu, online, socket, coreId, node, siblings, 0);
        }
    }

    /**
     * @param memKb        MemTotal of the node, -1 when the tree does not say
     * @param hugepagesKb  memory already reserved in hugepages on the node, per page size in kB
     */
    public record Node(int id, CpuSet cpus, long memKb, Map<Long, Long> hugepagesKb) {
    }

    /** A physical core: its online SMT threads, its socket and node, and its speed (see {@link Cpu}). */
    public record Core(int socket, int coreId, int node, CpuSet threads, int speed) {
    }

    public CpuSet online() {
        CpuSet s = CpuSet.EMPTY;
        for (Cpu c : cpus) if (c.online()) s = s.union(CpuSet.of(c.cpu()));
        return s;
    }

    public Cpu cpu(int id) {
        for (Cpu c : cpus) if (c.cpu() == id) return c;
        return null;
    }

    public Node node(int id) {
        for (Node n : nodes) if (n.id() == id) return n;
        return null;
    }

    /**
     * Online CPUs grouped into physical cores, ordered by node, then lowest CPU. SMT siblings are
     * one core; a CPU whose siblings are unknown is a core of its own.
     */
    public List<Core> cores() {
        CpuSet online = online();
        Map<CpuSet, Cpu> byThreads = new TreeMap<>();
        for (Cpu c : cpus) {
            if (!c.online()) continue;
            CpuSet threads = (c.siblings() == null ? CpuSet.of(c.cpu()) : c.siblings().union(CpuSet.of(c.cpu()))).intersect(online);
            byThreads.putIfAbsent(threads, c);
        }
        List<Core> cores = new ArrayList<>();
        for (var e : byThreads.entrySet()) {
            Cpu first = e.getValue();
            cores.add(new Core(first.socket(), first.coreId(), first.node(), e.getKey(), first.speed()));
        }
        cores.sort(Comparator.comparingInt(Core::node).thenComparingInt(c -> c.threads().first()));
        return cores;
    }

    /** The topology of a host from its facts. */
    public static HostTopology of(HostFacts facts) {
        List<Cpu> cpus = new ArrayList<>();
        CpuSet online = facts.cpu().online();
        CoreClasses classes = CoreClasses.of(facts.cpu().cpus());
        for (CpuTopology t : facts.cpu().cpus()) {
            boolean on = online.contains(t.cpu());
            cpus.add(new Cpu(t.cpu(), on, Math.max(0, t.packageId()), t.coreId() < 0 ? t.cpu() : t.coreId(),
                    Math.max(0, t.node()), t.siblings(), on ? classes.rankOf(t.cpu()) : 0));
        }
        List<Node> nodes = new ArrayList<>();
        for (NumaNode n : facts.numa()) {
            // memKb -1: the tree has no meminfo for the node (unknown, not zero)
            nodes.add(new Node(n.id(), n.cpus(), n.memTotalKb() < 0 ? -1 : n.memTotalKb(), reserved(n.hugepages())));
        }
        if (nodes.isEmpty()) {
            long total = facts.memory() == null ? 0 : facts.memory().meminfo().getOrDefault("MemTotal", 0L);
            nodes.add(new Node(0, online, total, facts.memory() == null ? Map.of() : reserved(facts.memory().hugepages())));
        }
        boolean pdpe1gb = facts.cpu().identity() != null && facts.cpu().identity().has("pdpe1gb");
        return new HostTopology(List.copyOf(cpus), List.copyOf(nodes), pdpe1gb, online.isEmpty() ? 0 : online.first());
    }

    private static Map<Long, Long> reserved(Map<Long, HugepagePool> pools) {
        Map<Long, Long> m = new TreeMap<>();
        if (pools != null) pools.forEach((size, p) -> m.put(size, Math.max(0, p.total()) * size));
        return m;
    }
}
