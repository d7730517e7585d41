package dev.kvmtune.facts.numa;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the NUMA nodes under {@code sys/devices/system/node}. A kernel built without NUMA has no
 * such directory: the result is then empty, which callers show as "no NUMA information", never as
 * a node with zero memory.
 */
public final class NumaReader {
    public static final String DIR = "sys/devices/system/node";

    private NumaReader() {
    }

    public static List<NumaNode> read(Root root) {
        List<NumaNode> nodes = new ArrayList<>();
        for (String name : root.list(DIR)) {
            if (!name.startsWith("node") || name.length() <= 4) continue;
            long id = Numbers.parseLong(name.substring(4), -1);
            if (id < 0) continue;
            String d = DIR + "/" + name;
            CpuSet cpus = cpus(root, d, (int) id);
            long[] mem = root.read(d + "/meminfo").map(NumaReader::parseMeminfo).orElse(new long[] {-1, -1});
            List<Integer> dist = root.read(d + "/distance").map(NumaReader::parseDistance).orElse(List.of());
            nodes.add(new NumaNode((int) id, cpus, mem[0], mem[1], dist, HugepagePool.readAll(root, d + "/hugepages"), d));
        }
        nodes.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return nodes;
    }

    /**
     * The node's CPUs from whichever layout the tree has: {@code cpulist} (Documentation/ABI/stable/sysfs-devices-node),
     * else the {@code cpumap} mask, else the node's {@code cpuN} links, else the {@code cpu/cpuN/nodeM} links;
     * null when none of them is there (unknown, which is not "no CPUs": a memory-only node has an empty cpulist).
     */
    public static CpuSet cpus(Root root, String nodeDir, int id) {
        CpuSet fromList = root.read(nodeDir + "/cpulist").map(s -> parse(s, false)).orElse(null);
        if (fromList != null) return fromList;
        CpuSet fromMap = root.read(nodeDir + "/cpumap").map(s -> parse(s, true)).orElse(null);
        if (fromMap != null) return fromMap;
        java.util.BitSet bits = new java.util.BitSet();
        boolean any = false;
        for (String n : root.list(nodeDir)) {
            long cpu = n.matches("cpu\\d{1,7}") ? Numbers.parseLong(n.substring(3), -1) : -1;
            if (cpu >= 0) {
                bits.set((int) cpu);
                any = true;
            }
        }
        if (!any) {
            for (String c : root.list("sys/devices/system/cpu")) {
                long cpu = c.matches("cpu\\d{1,7}") ? Numbers.parseLong(c.substring(3), -1) : -1;
                if (cpu >= 0 && root.exists("sys/devices/system/cpu/" + c + "/node" + id)) {
                    bits.set((int) cpu);
                    any = true;
                }
            }
        }
        // a tree that links CPUs and nodes elsewhere does so for every CPU: a node with no link has none (memory only, or all offline)
        if (!any) return linksAnywhere(root) ? CpuSet.EMPTY : null;
        CpuSet out = CpuSet.EMPTY;
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) out = out.union(CpuSet.of(i));
        return out;
    }

    private static boolean linksAnywhere(Root root) {
        for (String node : root.list(DIR)) {
            if (node.matches("node\\d+") && root.list(DIR + "/" + node).stream().anyMatch(n -> n.matches("cpu\\d+"))) return true;
        }
        for (String c : root.list("sys/devices/system/cpu")) {
            if (c.matches("cpu\\d+") && root.list("sys/devices/system/cpu/" + c).stream().anyMatch(n -> n.matches("node\\d+"))) return true;
        }
        return false;
    }

    private static CpuSet parse(String text, boolean mask) {
        try {
            return mask ? CpuSet.parseMask(text.strip()) : CpuSet.parseList(text.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Node meminfo lines look like {@code Node 0 MemTotal:       24576000 kB}. Returns total, free. */
    static long[] parseMeminfo(String text) {
        long total = -1;
        long free = -1;
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[0].equals("Node")) continue;
            if (f[2].equals("MemTotal:")) total = Numbers.parseLong(f[3], -1);
            if (f[2].equals("MemFree:")) free = Numbers.parseLong(f[3], -1);
        }
        return new long[] {total, free};
    }

    static List<Integer> parseDistance(String text) {
        List<Integer> d = new ArrayList<>();
        for (String f : text.trim().split("\\s+")) {
            long v = Numbers.parseLong(f, -1);
            if (v < 0) return List.of();
            d.add((int) v);
        }
        return d;
    }
}
