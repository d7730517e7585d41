package dev.kvmtune.facts.memory;

import dev.kvmtune.util.Numbers;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parses {@code proc/PID/numa_maps} (Documentation/admin-guide/mm/numa_memory_policy.rst, proc(5)):
 * one line per mapping, {@code ADDRESS POLICY [file=PATH] [anon=N] [dirty=N] [huge] [N0=PAGES ...]
 * [kernelpagesize_kB=K]}. The pages on each node times the mapping's page size give the kB the
 * process holds there, hugetlb mappings ({@code huge}) apart. A token of another shape is left out.
 *
 * @param kbByNode     resident kB per node, hugetlb included
 * @param hugeKbByNode hugetlb kB per node
 */
public record NumaMaps(Map<Integer, Long> kbByNode, Map<Integer, Long> hugeKbByNode) {

    public static NumaMaps parse(String text) {
        Map<Integer, Long> all = new TreeMap<>();
        Map<Integer, Long> huge = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2) continue;
            long pageKb = 4;
            boolean isHuge = false;
            for (String t : f) {
                if (t.equals("huge")) isHuge = true;
                if (t.startsWith("kernelpagesize_kB=")) {
                    long v = number(t.substring(18));
                    if (v > 0) pageKb = v;
                }
            }
            for (String t : f) {
                if (t.length() < 4 || t.charAt(0) != 'N') continue;
                int eq = t.indexOf('=');
                if (eq < 2) continue;
                long node = number(t.substring(1, eq));
                long pages = number(t.substring(eq + 1));
                if (node < 0 || node > 4095 || pages < 0) continue;
                long kb = Math.multiplyHigh(pages, pageKb) != 0 ? Long.MAX_VALUE : pages * pageKb;
                all.merge((int) node, kb, NumaMaps::add);
                if (isHuge) huge.merge((int) node, kb, NumaMaps::add);
            }
        }
        return new NumaMaps(all, huge);
    }

    /** kB on every node together. */
    public long totalKb() {
        return kbByNode.values().stream().reduce(0L, NumaMaps::add);
    }

    private static long add(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** A decimal, or -1 (a negative one too: no count or node is negative). */
    private static long number(String s) {
        return Math.max(-1, Numbers.parseLong(s, -1));
    }
}
