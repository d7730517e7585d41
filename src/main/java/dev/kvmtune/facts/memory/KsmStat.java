package dev.kvmtune.facts.memory;

import dev.kvmtune.util.Numbers;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses {@code proc/PID/ksm_stat} (Linux 6.1+; Documentation/admin-guide/mm/ksm.rst): lines
 * {@code ksm_rmap_items N}, {@code ksm_zero_pages N}, {@code ksm_merging_pages N},
 * {@code ksm_process_profit N} (bytes; negative when the rmap items cost more than merging saved),
 * and {@code ksm_merge_any: yes}, {@code ksm_mergeable: no} (with a colon, from 6.4/6.7). Keys are
 * kept without the colon; a line of another shape is left out.
 */
public record KsmStat(Map<String, String> values) {

    public static KsmStat parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 2 || f[0].isEmpty()) continue;
            String k = f[0].endsWith(":") ? f[0].substring(0, f[0].length() - 1) : f[0];
            if (!k.isEmpty()) m.put(k, f[1]);
        }
        return new KsmStat(m);
    }

    /** Pages of this process merged by KSM; null when the kernel does not say. */
    public Long mergingPages() {
        return number("ksm_merging_pages");
    }

    /** What KSM saves for this process, in bytes (may be negative); null when the kernel does not say. */
    public Long profitBytes() {
        return number("ksm_process_profit");
    }

    /** Does the process take part in KSM at all: mergeable areas or merge-any; null when not said. */
    public Boolean mergeable() {
        String a = values.get("ksm_merge_any");
        String b = values.get("ksm_mergeable");
        if (a == null && b == null) return null;
        return "yes".equals(a) || "yes".equals(b);
    }

    private Long number(String key) {
        String v = values.get(key);
        if (v == null) return null;
        var n = Numbers.parseLong(v);
        return n.isPresent() ? n.getAsLong() : null;
    }
}
