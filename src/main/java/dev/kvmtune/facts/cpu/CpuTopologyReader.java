package dev.kvmtune.facts.cpu;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code sys/devices/system/cpu}: the present/online/offline/possible lists
 * (Documentation/ABI/testing/sysfs-devices-system-cpu), each CPU's {@code topology/} directory
 * (Documentation/admin-guide/cputopology.rst), its {@code cache/indexM/} entries, and the NUMA
 * node of each CPU from {@code sys/devices/system/node/nodeN/cpulist}.
 */
public final class CpuTopologyReader {
    public static final String CPU_DIR = "sys/devices/system/cpu";
    public static final String NODE_DIR = "sys/devices/system/node";

    /** The four CPU lists the kernel keeps. */
    public record CpuLists(Sourced<CpuSet> present, Sourced<CpuSet> online, Sourced<CpuSet> offline, Sourced<CpuSet> possible) {
    }

    private CpuTopologyReader() {
    }

    public static Sourced<CpuSet> readList(Root root, String path) {
        return Sourced.read(root, path, CpuSet::parseList);
    }

    public static CpuLists readLists(Root root) {
        return new CpuLists(
                readList(root, CPU_DIR + "/present"),
                readList(root, CPU_DIR + "/online"),
                readList(root, CPU_DIR + "/offline"),
                readList(root, CPU_DIR + "/possible"));
    }

    /** CPU numbers that have a cpuN directory, ascending. */
    public static List<Integer> cpuNumbers(Root root) {
        List<Integer> cpus = new ArrayList<>();
        for (String name : root.list(CPU_DIR)) {
            if (name.startsWith("cpu") && name.length() > 3) {
                long n = Numbers.parseLong(name.substring(3), -1);
                if (n >= 0) cpus.add((int) n);
            }
        }
        cpus.sort(null);
        return cpus;
    }

    /** NUMA node of each CPU, from the node directories; empty map without NUMA information. */
    public static Map<Integer, Integer> nodeOfCpu(Root root) {
        Map<Integer, Integer> map = new HashMap<>();
        for (String name : root.list(NODE_DIR)) {
            if (!name.startsWith("node") || name.length() <= 4) continue;
            long node = Numbers.parseLong(name.substring(4), -1);
            if (node < 0) continue;
            // the same layouts NumaReader reads: cpulist, cpumap, cpuN links (an unreadable one leaves its CPUs without a node)
            CpuSet cpus = dev.kvmtune.facts.numa.NumaReader.cpus(root, NODE_DIR + "/" + name, (int) node);
            if (cpus != null) cpus.forEachCpu(c -> map.put(c, (int) node));
        }
        return map;
    }

    /** Intel hybrid parts name each core type's CPUs under its PMU device (Documentation/ABI/testing/sysfs-bus-event_source-devices). */
    public static final Map<String, String> HYBRID_PMUS = Map.of("sys/devices/cpu_core/cpus", "performance", "sys/devices/cpu_atom/cpus", "efficiency");

    public static List<CpuTopology> read(Root root, CpuSet online) {
        Map<Integer, Integer> nodes = nodeOfCpu(root);
        Map<Integer, String> coreTypes = new HashMap<>();
        HYBRID_PMUS.forEach((path, type) -> {
            CpuSet s = readSet(root, path);
            if (s != null) s.forEachCpu(c -> coreTypes.put(c, type));
        });
        List<CpuTopology> out = new ArrayList<>();
        for (int cpu : cpuNumbers(root)) {
            String dir = CPU_DIR + "/cpu" + cpu;
            // cpu0 often has no 'online' file: it cannot be taken offline
            boolean isOnline = online != null ? online.contains(cpu) : root.read(dir + "/online").map(s -> s.strip().equals("1")).orElse(true);
            String topo = dir + "/topology/";
            // the list forms first, then the masks (Documentation/ABI/stable/sysfs-devices-system-cpu)
            CpuSet siblings = readSet(root, topo + "thread_siblings_list");
            if (siblings == null) siblings = readSet(root, topo + "core_cpus_list");
            if (siblings == null) siblings = readMask(root, topo + "thread_siblings");
            if (siblings == null) siblings = readMask(root, topo + "core_cpus");
            out.add(new CpuTopology(
                    cpu,
                    isOnline,
                    readInt(root, topo + "physical_package_id"),
                    readInt(root, topo + "die_id"),
                    clusterId(readInt(root, topo + "cluster_id")),
                    readInt(root, topo + "core_id"),
                    siblings,
                    nodes.getOrDefault(cpu, -1),
                    readCaches(root, dir + "/cache"),
                    readInt(root, dir + "/cpu_capacity"),
                    coreTypes.get(cpu),
                    dir));
        }
        return out;
    }

    /** x86 kernels print 65535 (BAD_APICID as u16) when the CPU belongs to no known L2 cluster: no id, not an id. */
    static int clusterId(int raw) {
        return raw == 0xFFFF ? -1 : raw;
    }

    static List<CpuCache> readCaches(Root root, String cacheDir) {
        List<CpuCache> caches = new ArrayList<>();
        for (String idx : root.list(cacheDir)) {
            if (!idx.startsWith("index")) continue;
            String d = cacheDir + "/" + idx + "/";
            int level = readInt(root, d + "level");
            if (level < 0) continue;
            String type = root.read(d + "type").map(String::strip).orElse(null);
            long size = root.read(d + "size").flatMap(s -> {
                var v = Numbers.parseSize(s);
                return v.isPresent() ? java.util.Optional.of(v.getAsLong()) : java.util.Optional.empty();
            }).orElse(-1L);
            CpuSet shared = readSet(root, d + "shared_cpu_list");
            caches.add(new CpuCache(level, type, size, readInt(root, d + "ways_of_associativity"), shared, d.substring(0, d.length() - 1)));
        }
        return caches;
    }

    private static int readInt(Root root, String path) {
        return root.read(path).map(s -> (int) Numbers.parseLong(s, -1)).orElse(-1);
    }

    private static CpuSet readSet(Root root, String path) {
        return root.read(path).map(s -> {
            try {
                return CpuSet.parseList(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }).orElse(null);
    }

    private static CpuSet readMask(Root root, String path) {
        return root.read(path).map(s -> {
            try {
                return CpuSet.parseMask(s.strip());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }).orElse(null);
    }
}
