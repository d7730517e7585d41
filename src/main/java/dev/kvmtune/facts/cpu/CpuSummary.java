package dev.kvmtune.facts.cpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The summary lscpu prints, computed the way lscpu computes it from sysfs: sockets are distinct
 * package ids, cores are distinct (package, die, cluster, core) ids, both over online CPUs; cache
 * totals add one size per distinct shared_cpu_list instance.
 */
public record CpuSummary(
        int onlineCpus,
        int sockets,
        int coresPerSocket,
        int threadsPerCore,
        boolean smtActive,
        List<CacheTotal> caches) {

    /** L1d / L1i / L2 / L3: total size over all instances and how many instances exist. */
    /** @param totalBytes the sizes added up; null (absent in JSON) when some instance's size file is absent */
    public record CacheTotal(String name, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Long totalBytes,
                             int instances) {
    }

    public static CpuSummary of(List<CpuTopology> cpus, Boolean smtActiveFromKernel) {
        Set<Integer> packages = new HashSet<>();
        Set<List<Integer>> cores = new HashSet<>();
        int online = 0;
        boolean anySiblings = false;
        Map<String, Map<String, Long>> cacheInstances = new TreeMap<>();
        for (CpuTopology c : cpus) {
            if (!c.online()) continue;
            online++;
            packages.add(c.packageId());
            cores.add(List.of(c.packageId(), c.dieId(), c.clusterId(), c.coreId()));
            if (c.siblings() != null && c.siblings().size() > 1) anySiblings = true;
            for (CpuCache k : c.caches()) {
                String key = k.sharedCpus() == null ? "cpu" + c.cpu() : k.sharedCpus().toList();
                cacheInstances.computeIfAbsent(k.lscpuName(), x -> new LinkedHashMap<>()).putIfAbsent(key, k.sizeBytes());
            }
        }
        int sockets = Math.max(1, packages.size());
        int coreCount = Math.max(1, cores.size());
        List<CacheTotal> totals = new ArrayList<>();
        Map<String, Integer> order = new HashMap<>(Map.of("L1d", 0, "L1i", 1, "L2", 2, "L3", 3, "L4", 4));
        cacheInstances.entrySet().stream()
                .sorted((a, b) -> Integer.compare(order.getOrDefault(a.getKey(), 9), order.getOrDefault(b.getKey(), 9)))
                .forEach(e -> totals.add(new CacheTotal(e.getKey(), e.getValue().values().stream().anyMatch(v -> v < 0) ? null
                        : e.getValue().values().stream().mapToLong(Long::longValue).sum(), e.getValue().size())));
        boolean smt = smtActiveFromKernel != null ? smtActiveFromKernel : anySiblings;
        return new CpuSummary(online, online == 0 ? 0 : sockets, online == 0 ? 0 : coreCount / sockets,
                online == 0 ? 0 : Math.max(1, online / coreCount), smt, totals);
    }
}
