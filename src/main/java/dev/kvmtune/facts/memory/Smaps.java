package dev.kvmtune.facts.memory;

import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code proc/PID/smaps} and {@code proc/PID/smaps_rollup} (Documentation/filesystems/proc.rst,
 * "smaps"): a header line per mapping ({@code start-end perms offset dev inode [name]}) followed by
 * {@code Key:  N kB} lines. A rollup is one mapping named {@code [rollup]}. Keys are kept as the kernel
 * spells them (Rss, Pss, Private_Clean, Swap, Private_Hugetlb ...); lines of other shapes (VmFlags,
 * THPeligible, ProtectionKey) and lines that do not parse are left out, so kernels older and newer than
 * this one read alike.
 */
public final class Smaps {
    /** An unnamed mapping, as smem names it. */
    public static final String ANONYMOUS = "<anonymous>";

    /**
     * One mapping.
     *
     * @param name the sixth field of the header as smem takes it (a path, [heap], [stack], or
     *             {@link #ANONYMOUS}); a path with spaces is cut at the first, as smem cuts it
     * @param kb   the mapping's sizes in kB by the kernel's key
     */
    public record Mapping(String name, Map<String, Long> kb) {
        public long get(String key) {
            Long v = kb.get(key);
            return v == null ? 0 : v;
        }
    }

    private Smaps() {
    }

    public static List<Mapping> parse(String text) {
        List<Mapping> out = new ArrayList<>();
        Map<String, Long> current = null;
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = n;
            String line = text.substring(start, end);
            start = end + 1;
            if (line.isBlank()) continue;
            if (isHeader(line)) {
                String[] f = line.strip().split("\\s+");
                current = new LinkedHashMap<>();
                out.add(new Mapping(f.length > 5 ? f[5] : ANONYMOUS, current));
                continue;
            }
            if (current == null) continue;
            putKb(current, line);
        }
        return out;
    }

    /** Every key summed over the mappings; a key no mapping has is absent. */
    public static Map<String, Long> totals(List<Mapping> maps) {
        Map<String, Long> t = new LinkedHashMap<>();
        for (Mapping m : maps) m.kb().forEach((k, v) -> t.merge(k, v, Long::sum));
        return t;
    }

    /** {@code Key:   N kB} lines of a status, meminfo or rollup text; a line of another shape is left out. */
    public static Map<String, Long> kbFields(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) putKb(m, line);
        return m;
    }

    /** A mapping's header: the first field is {@code hex-hex} and has no colon (smem's test). */
    static boolean isHeader(String line) {
        int sp = line.indexOf(' ');
        String first = sp < 0 ? line : line.substring(0, sp);
        int dash = first.indexOf('-');
        if (dash <= 0 || dash == first.length() - 1 || first.indexOf(':') >= 0) return false;
        return isHex(first, 0, dash) && isHex(first, dash + 1, first.length());
    }

    private static boolean isHex(String s, int from, int to) {
        if (to - from > 16) return false;
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) return false;
        }
        return true;
    }

    private static void putKb(Map<String, Long> m, String line) {
        int colon = line.indexOf(':');
        if (colon <= 0 || !line.endsWith(" kB")) return;
        long v = Numbers.parseLong(line.substring(colon + 1, line.length() - 3), -1);
        if (v >= 0) m.put(line.substring(0, colon).strip(), v);
    }
}
