package dev.kvmtune.facts.irq;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.Map;
import java.util.TreeMap;

/**
 * The irq and softirq time of each CPU from {@code proc/stat} (the sixth and seventh values of a
 * {@code cpuN} line, in USER_HZ ticks): irqbalance's measure of a CPU's interrupt load. Both stay
 * zero on kernels without CONFIG_IRQ_TIME_ACCOUNTING, where the time is charged to the interrupted task.
 *
 * @param irqTicks     per CPU
 * @param softirqTicks per CPU
 */
public record CpuTimes(Map<Integer, Long> irqTicks, Map<Integer, Long> softirqTicks) {
    public static final String PATH = "proc/stat";

    /** USER_HZ: 100 on every architecture Linux exports /proc/stat for. */
    public static final int USER_HZ = 100;

    public static CpuTimes read(Root root) {
        return root.read(PATH).map(CpuTimes::parse).orElse(null);
    }

    public static CpuTimes parse(String text) {
        Map<Integer, Long> irq = new TreeMap<>();
        Map<Integer, Long> soft = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("cpu") || line.length() < 5 || !Character.isDigit(line.charAt(3))) continue;
            String[] f = line.strip().split("\\s+");
            if (f.length < 8) continue;
            long cpu = Numbers.parseLong(f[0].substring(3), -1);
            long i = Numbers.parseLong(f[6], -1);
            long s = Numbers.parseLong(f[7], -1);
            if (cpu < 0 || cpu > 65535 || i < 0 || s < 0) continue;
            irq.put((int) cpu, i);
            soft.put((int) cpu, s);
        }
        return new CpuTimes(irq, soft);
    }
}
