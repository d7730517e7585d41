package dev.kvmtune.facts.memory;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code proc/swaps} (mm/swapfile.c swap_show): a header line, then
 * {@code Filename Type Size Used Priority} per active swap area, sizes in kB.
 */
public final class SwapsReader {
    public static final String PATH = "proc/swaps";

    public record Swap(String filename, String type, long sizeKb, long usedKb, long priority) {
    }

    private SwapsReader() {
    }

    /** Active swap areas; null when proc/swaps is absent (unknown, not "no swap"). */
    public static List<Swap> read(Root root) {
        return root.read(PATH).map(SwapsReader::parse).orElse(null);
    }

    static List<Swap> parse(String text) {
        List<Swap> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 5) continue;
            // the file name is escaped by the kernel (spaces as \040), so it is one field
            out.add(new Swap(f[0], f[1], Numbers.parseLong(f[2], -1), Numbers.parseLong(f[3], -1), Numbers.parseLong(f[4], 0)));
        }
        return out;
    }
}
