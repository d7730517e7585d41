package dev.kvmtune.facts.irq;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code proc/softirqs} (fs/proc/softirqs.c): a {@code CPUn} header, then one row per
 * softirq vector (HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU) with a
 * count per CPU column.
 */
public final class SoftirqsReader {
    public static final String PATH = "proc/softirqs";

    public record Softirqs(String source, List<Integer> cpus, Map<String, long[]> counts) {
    }

    private SoftirqsReader() {
    }

    public static Softirqs read(Root root) {
        return root.read(PATH).map(SoftirqsReader::parse).orElse(null);
    }

    public static Softirqs parse(String text) {
        String[] lines = text.split("\n");
        List<Integer> cpus = new ArrayList<>();
        Map<String, long[]> m = new LinkedHashMap<>();
        if (lines.length == 0) return new Softirqs(PATH, cpus, m);
        for (String h : lines[0].trim().split("\\s+")) {
            if (h.startsWith("CPU")) {
                long n = Numbers.parseLong(h.substring(3), -1);
                if (n >= 0) cpus.add((int) n);
            }
        }
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) continue;
            String[] tok = lines[i].substring(colon + 1).trim().split("\\s+");
            long[] c = new long[Math.min(tok.length, cpus.size())];
            int n = 0;
            for (; n < c.length; n++) {
                var v = Numbers.parseLong(tok[n]);
                if (v.isEmpty()) break;
                c[n] = v.getAsLong();
            }
            m.put(lines[i].substring(0, colon).strip(), n == c.length ? c : java.util.Arrays.copyOf(c, n));
        }
        return new Softirqs(PATH, cpus, m);
    }
}
