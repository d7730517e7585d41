package dev.kvmtune.memory;

import dev.kvmtune.facts.memory.MemColumn;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.memory.Smaps;
import dev.kvmtune.facts.memory.SystemMemory;
import dev.kvmtune.facts.memory.VmMemory;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.memory.MemTable.Col;
import dev.kvmtune.memory.MemTable.Kind;
import dev.kvmtune.memory.MemTable.Total;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The views of {@code kvmtune mem}, each a pure function of what was read: per process, user and
 * mapping as smem computes them (its column names, defaults and sums), and per VM, NUMA node and the
 * whole system.
 */
public final class MemViews {
    private MemViews() {
    }

    private static List<Col> sizeColumns() {
        List<Col> out = new ArrayList<>();
        for (MemColumn c : MemColumn.values()) {
            out.add(new Col(c.id(), c.header(), c.isSize() ? Kind.KB : Kind.COUNT, Total.SUM, c.help()));
        }
        return out;
    }

    private static void putSizes(Map<String, Object> row, ProcessMemory p) {
        for (MemColumn c : MemColumn.values()) {
            Long v = p.get(c);
            if (v != null) row.put(c.id(), v);
        }
    }

    /** One row per process; smem's default columns, and hugetlb, which smem cannot see. */
    public static MemTable processes(List<ProcessMemory> procs, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("pid", "PID", Kind.COUNT, Total.ROWS, "process ID"));
        cols.add(new Col("user", "User", Kind.TEXT, Total.DISTINCT, "owner of the process"));
        cols.add(new Col("name", "Name", Kind.TEXT, Total.NONE, "name of the process (comm)"));
        cols.add(new Col("command", "Command", Kind.TEXT, Total.NONE, "the process's command line"));
        cols.addAll(sizeColumns());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ProcessMemory p : procs) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pid", (long) p.pid());
            if (p.user() != null) r.put("user", p.user());
            if (p.name() != null) r.put("name", p.name());
            r.put("command", p.command());
            putSizes(r, p);
            if (p.note() != null) r.put("note", p.note());
            rows.add(r);
        }
        return new MemTable("process", cols, List.of("pid", "user", "command", "swap", "uss", "pss", "rss", "hugetlb"), "pss", rows, notes);
    }

    /** One row per user: its processes added up (smem -u). */
    public static MemTable users(List<ProcessMemory> procs, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("user", "User", Kind.TEXT, Total.NONE, "user name, or uid when it has none"));
        cols.add(new Col("count", "Count", Kind.COUNT, Total.SUM, "number of processes"));
        cols.addAll(sizeColumns());
        Map<String, Map<String, Object>> by = new TreeMap<>();
        for (ProcessMemory p : procs) {
            String u = p.user() == null ? "?" : p.user();
            Map<String, Object> r = by.computeIfAbsent(u, k -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("user", k);
                m.put("count", 0L);
                return m;
            });
            r.put("count", (Long) r.get("count") + 1);
            for (MemColumn c : MemColumn.values()) {
                Long v = p.get(c);
                if (v != null) r.merge(c.id(), v, (a, b) -> (Long) a + (Long) b);
            }
        }
        return new MemTable("user", cols, List.of("user", "count", "swap", "uss", "pss", "rss", "hugetlb"), "pss",
                new ArrayList<>(by.values()), notes);
    }

    /**
     * One row per mapping name over every process that maps it (smem -m): count of mappings, pids
     * mapping it, and sizes; averages per pid as smem takes them (integer division).
     */
    public static MemTable mappings(List<ProcessMemoryReader.Sample> samples, Predicate<String> mapFilter, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("map", "Map", Kind.TEXT, Total.DISTINCT, "mapping name"));
        cols.add(new Col("count", "Count", Kind.COUNT, Total.SUM, "number of mappings found"));
        cols.add(new Col("pids", "PIDs", Kind.COUNT, Total.SUM, "number of processes mapping it"));
        cols.add(new Col("swap", "Swap", Kind.KB, Total.SUM, MemColumn.SWAP.help()));
        cols.add(new Col("uss", "USS", Kind.KB, Total.SUM, MemColumn.USS.help()));
        cols.add(new Col("rss", "RSS", Kind.KB, Total.SUM, MemColumn.RSS.help()));
        cols.add(new Col("pss", "PSS", Kind.KB, Total.SUM, MemColumn.PSS.help()));
        cols.add(new Col("vss", "VSS", Kind.KB, Total.SUM, MemColumn.VSS.help()));
        cols.add(new Col("hugetlb", "Hugetlb", Kind.KB, Total.SUM, "Private_Hugetlb + Shared_Hugetlb"));
        cols.add(new Col("avgpss", "AVGPSS", Kind.KB, Total.SUM, "average PSS per process"));
        cols.add(new Col("avguss", "AVGUSS", Kind.KB, Total.SUM, "average USS per process"));
        cols.add(new Col("avgrss", "AVGRSS", Kind.KB, Total.SUM, "average RSS per process"));
        Map<String, long[]> t = new HashMap<>();
        for (ProcessMemoryReader.Sample s : samples) {
            Set<String> seen = new HashSet<>();
            for (Smaps.Mapping m : s.maps()) {
                if (mapFilter != null && !mapFilter.test(m.name())) continue;
                long[] a = t.computeIfAbsent(m.name(), k -> new long[8]);
                a[0]++;
                if (seen.add(m.name())) a[1]++;
                a[2] += m.get("Swap");
                a[3] += m.get("Private_Clean") + m.get("Private_Dirty");
                a[4] += m.get("Rss");
                a[5] += m.get("Pss");
                a[6] += m.get("Size");
                a[7] += m.get("Private_Hugetlb") + m.get("Shared_Hugetlb");
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, long[]> e : new TreeMap<>(t).entrySet()) {
            long[] a = e.getValue();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("map", e.getKey());
            r.put("count", a[0]);
            r.put("pids", a[1]);
            r.put("swap", a[2]);
            r.put("uss", a[3]);
            r.put("rss", a[4]);
            r.put("pss", a[5]);
            r.put("vss", a[6]);
            r.put("hugetlb", a[7]);
            r.put("avgpss", a[5] / a[1]);
            r.put("avguss", a[3] / a[1]);
            r.put("avgrss", a[4] / a[1]);
            rows.add(r);
        }
        return new MemTable("mapping", cols, List.of("map", "pids", "avgpss", "pss"), "pss", rows, notes);
    }

    /** One row per running VM: guest RAM, its backing, what QEMU holds, overhead, and NUMA placement. */
    public static MemTable vms(List<VmMemory> vms, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("vm", "VM", Kind.TEXT, Total.ROWS, "guest name, or the QEMU pid"));
        cols.add(new Col("pid", "PID", Kind.COUNT, Total.NONE, "QEMU process"));
        cols.add(new Col("guest", "Guest", Kind.KB, Total.SUM, "guest RAM as configured"));
        cols.add(new Col("backing", "Backing", Kind.TEXT, Total.NONE, "hugetlb (page size), file, memfd or ram"));
        cols.add(new Col("rss", "RSS", Kind.KB, Total.SUM, MemColumn.RSS.help()));
        cols.add(new Col("pss", "PSS", Kind.KB, Total.SUM, MemColumn.PSS.help()));
        cols.add(new Col("hugetlb", "Hugetlb", Kind.KB, Total.SUM, MemColumn.HUGETLB.help()));
        cols.add(new Col("overhead", "Overhead", Kind.KB, Total.SUM, "RSS + hugetlb - guest RAM (negative: RAM the guest has not touched)"));
        cols.add(new Col("vcpu_nodes", "vCPUNodes", Kind.TEXT, Total.NONE, "NUMA nodes its vCPU threads are confined to"));
        cols.add(new Col("mem_nodes", "MemNodes", Kind.TEXT, Total.NONE, "its resident memory per NUMA node (numa_maps)"));
        cols.add(new Col("local", "Local%", Kind.PERCENT, Total.NONE, "share of its memory on its vCPUs' nodes"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (VmMemory v : vms) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("vm", v.name());
            r.put("pid", (long) v.pid());
            put(r, "guest", v.guestKb());
            if (v.backing() != null) r.put("backing", v.backing());
            put(r, "rss", v.rssKb());
            put(r, "pss", v.pssKb());
            put(r, "hugetlb", v.hugetlbKb());
            put(r, "overhead", v.overheadKb());
            if (v.vcpuNodes() != null) r.put("vcpu_nodes", join(v.vcpuNodes()));
            if (v.kbByNode() != null) r.put("mem_nodes", nodes(v.kbByNode()));
            if (v.localPercent() != null) r.put("local", v.localPercent());
            rows.add(r);
        }
        return new MemTable("vm", cols, List.of("vm", "pid", "guest", "backing", "rss", "hugetlb", "overhead", "vcpu_nodes", "mem_nodes", "local"),
                "rss", rows, notes);
    }

    /** One row per NUMA node: its size, free memory, hugepages, and what processes hold there. */
    public static MemTable nodes(List<NumaNode> nodes, List<ProcessMemory> procs, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("node", "Node", Kind.COUNT, Total.ROWS, "NUMA node"));
        cols.add(new Col("cpus", "CPUs", Kind.TEXT, Total.NONE, "its CPUs"));
        cols.add(new Col("total", "Total", Kind.KB, Total.SUM, "MemTotal of the node"));
        cols.add(new Col("free", "Free", Kind.KB, Total.SUM, "MemFree of the node"));
        cols.add(new Col("hugetlb_total", "HugeTotal", Kind.KB, Total.SUM, "hugepages reserved on the node, every size"));
        cols.add(new Col("hugetlb_free", "HugeFree", Kind.KB, Total.SUM, "of those, free"));
        cols.add(new Col("processes", "Procs", Kind.KB, Total.SUM, "what user processes hold there (numa_maps)"));
        cols.add(new Col("processes_hugetlb", "ProcsHuge", Kind.KB, Total.SUM, "of that, hugetlb"));
        Map<Integer, Long> held = new TreeMap<>();
        Map<Integer, Long> heldHuge = new TreeMap<>();
        boolean anyNuma = false;
        for (ProcessMemory p : procs) {
            if (p.numa() == null) continue;
            anyNuma = true;
            p.numa().kbByNode().forEach((k, v) -> held.merge(k, v, Long::sum));
            p.numa().hugeKbByNode().forEach((k, v) -> heldHuge.merge(k, v, Long::sum));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (NumaNode n : nodes) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("node", (long) n.id());
            if (n.cpus() != null) r.put("cpus", n.cpus().isEmpty() ? "(none)" : n.cpus().toList());
            if (n.memTotalKb() >= 0) r.put("total", n.memTotalKb());
            if (n.memFreeKb() >= 0) r.put("free", n.memFreeKb());
            if (n.hugepages() != null && !n.hugepages().isEmpty()) {
                long tot = 0;
                long free = 0;
                for (var e : n.hugepages().entrySet()) {
                    tot += e.getKey() * e.getValue().total();
                    free += e.getKey() * e.getValue().free();
                }
                r.put("hugetlb_total", tot);
                r.put("hugetlb_free", free);
            }
            if (anyNuma) {
                r.put("processes", held.getOrDefault(n.id(), 0L));
                r.put("processes_hugetlb", heldHuge.getOrDefault(n.id(), 0L));
            }
            rows.add(r);
        }
        return new MemTable("node", cols, List.of("node", "cpus", "total", "free", "hugetlb_total", "hugetlb_free", "processes", "processes_hugetlb"),
                "node", rows, notes);
    }

    /** The whole system by area (smem -w), in smem's order. */
    public static MemTable system(List<SystemMemory> areas, List<String> notes) {
        List<Col> cols = new ArrayList<>();
        cols.add(new Col("order", "Order", Kind.COUNT, Total.NONE, "hierarchical order"));
        cols.add(new Col("area", "Area", Kind.TEXT, Total.NONE, "memory area"));
        cols.add(new Col("used", "Used", Kind.KB, Total.SUM, "area in use"));
        cols.add(new Col("cache", "Cache", Kind.KB, Total.SUM, "area used as reclaimable cache"));
        cols.add(new Col("noncache", "Noncache", Kind.KB, Total.SUM, "area not reclaimable"));
        List<Map<String, Object>> rows = new ArrayList<>();
        long i = 0;
        for (SystemMemory a : areas) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("order", i++);
            r.put("area", a.area());
            put(r, "used", a.usedKb());
            put(r, "cache", a.cacheKb());
            put(r, "noncache", a.noncacheKb());
            rows.add(r);
        }
        return new MemTable("system", cols, List.of("area", "used", "cache", "noncache"), "order", rows, notes);
    }

    private static void put(Map<String, Object> r, String k, Long v) {
        if (v != null) r.put(k, v);
    }

    private static String join(List<Integer> l) {
        StringBuilder sb = new StringBuilder();
        for (Integer i : l) sb.append(sb.length() == 0 ? "" : ",").append(i);
        return sb.toString();
    }

    /** "0:1048576,1:2048" — kB per node. */
    private static String nodes(Map<Integer, Long> m) {
        StringBuilder sb = new StringBuilder();
        for (var e : m.entrySet()) sb.append(sb.length() == 0 ? "" : ",").append(e.getKey()).append(':').append(e.getValue());
        return sb.length() == 0 ? "(none)" : sb.toString();
    }
}
