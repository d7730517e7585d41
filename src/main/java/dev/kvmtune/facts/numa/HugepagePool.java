package dev.kvmtune.facts.numa;

/**
 * A hugepage pool of one page size, system-wide ({@code sys/kernel/mm/hugepages/hugepages-<size>kB})
 * or per node ({@code .../nodeN/hugepages/hugepages-<size>kB}); counts are -1 when unknown
 * (Documentation/admin-guide/mm/hugetlbpage.rst).
 */
public record HugepagePool(long pageSizeKb, long total, long free, long surplus, String source) {

    public static final String NAME_PREFIX = "hugepages-";

    /** Reads every hugepages-NkB directory under {@code dir}. */
    public static java.util.Map<Long, HugepagePool> readAll(dev.kvmtune.facts.source.Root root, String dir) {
        java.util.Map<Long, HugepagePool> pools = new java.util.TreeMap<>();
        for (String name : root.list(dir)) {
            if (!name.startsWith(NAME_PREFIX) || !name.endsWith("kB")) continue;
            long size = dev.kvmtune.util.Numbers.parseLong(name.substring(NAME_PREFIX.length(), name.length() - 2), -1);
            if (size <= 0) continue;
            String d = dir + "/" + name;
            pools.put(size, new HugepagePool(size, num(root, d + "/nr_hugepages"), num(root, d + "/free_hugepages"),
                    num(root, d + "/surplus_hugepages"), d));
        }
        return pools;
    }

    private static long num(dev.kvmtune.facts.source.Root root, String path) {
        return root.read(path).map(s -> dev.kvmtune.util.Numbers.parseLong(s, -1)).orElse(-1L);
    }
}
