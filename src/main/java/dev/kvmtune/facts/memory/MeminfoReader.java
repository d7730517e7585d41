package dev.kvmtune.facts.memory;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code proc/meminfo} (Documentation/filesystems/proc.rst, "meminfo"): every line
 * {@code Name:   value [kB]}; values are kept in kB as printed, except the HugePages_ counts,
 * which are page counts. Lines that do not parse are skipped; order is kept.
 */
public final class MeminfoReader {
    public static final String PATH = "proc/meminfo";

    private MeminfoReader() {
    }

    public static Map<String, Long> read(Root root) {
        return root.read(PATH).map(MeminfoReader::parse).orElse(Map.of());
    }

    static Map<String, Long> parse(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length == 0) continue;
            var v = Numbers.parseLong(f[0]);
            if (v.isPresent()) m.put(line.substring(0, colon).strip(), v.getAsLong());
        }
        return m;
    }
}
