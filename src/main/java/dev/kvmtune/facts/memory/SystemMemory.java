package dev.kvmtune.facts.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole system's memory by area, as {@code smem -w} divides it, from {@code proc/meminfo}:
 * firmware/hardware (physical RAM the kernel was not given), the kernel image, kernel dynamic memory
 * (MemTotal − MemFree − userspace; its cache part Buffers + SReclaimable + Cached − Mapped), userspace
 * (AnonPages + Mapped; its cache part Mapped) and free memory. Where smem takes the kernel image's
 * size from a kernel file given by hand, it is read here from the {@code Kernel code/rodata/data/bss}
 * ranges of {@code proc/iomem} (root only: others see zero addresses, and then it is absent).
 *
 * @param area    the area's name, as smem prints it
 * @param usedKb  absent when it cannot be known (the kernel image without iomem)
 * @param cacheKb the reclaimable part
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SystemMemory(String area, Long usedKb, Long cacheKb) {

    public Long noncacheKb() {
        return usedKb == null || cacheKb == null ? null : usedKb - cacheKb;
    }

    /**
     * @param realMemKb the machine's physical RAM when known (smem's --realmem); without it the
     *                  firmware/hardware area is what iomem's System RAM and MemTotal tell apart
     */
    public static List<SystemMemory> areas(Root root, Long realMemKb) {
        Map<String, Long> m = root.read("proc/meminfo").map(Smaps::kbFields).orElse(Map.of());
        Long mt = m.get("MemTotal");
        Long free = m.get("MemFree");
        if (mt == null || free == null) return List.of();
        Long kernelImage = iomem(root, true);
        Long total = realMemKb != null ? realMemKb : iomem(root, false);
        if (total == null) total = mt;
        long u = m.getOrDefault("AnonPages", 0L) + m.getOrDefault("Mapped", 0L);
        long kd = mt - free - u;
        long kdc = m.getOrDefault("Buffers", 0L) + m.getOrDefault("SReclaimable", 0L) + m.getOrDefault("Cached", 0L) - m.getOrDefault("Mapped", 0L);
        List<SystemMemory> out = new ArrayList<>();
        out.add(new SystemMemory("firmware/hardware", Math.max(total - mt - (kernelImage == null ? 0 : kernelImage), 0), 0L));
        out.add(new SystemMemory("kernel image", kernelImage, kernelImage == null ? null : 0L));
        out.add(new SystemMemory("kernel dynamic memory", kd, kdc));
        out.add(new SystemMemory("userspace memory", u, m.getOrDefault("Mapped", 0L)));
        out.add(new SystemMemory("free memory", free, free));
        return out;
    }

    /**
     * kB in proc/iomem: the kernel image ranges (nested under System RAM), or the top-level System RAM
     * ranges; null when iomem is absent or shows zero addresses (not root).
     */
    static Long iomem(Root root, boolean kernel) {
        Optional<String> text = root.read("proc/iomem");
        if (text.isEmpty()) return null;
        long bytes = 0;
        boolean any = false;
        for (String line : text.get().split("\n")) {
            int colon = line.indexOf(" : ");
            if (colon < 0) continue;
            String name = line.substring(colon + 3).strip();
            boolean nested = line.startsWith(" ");
            boolean want = kernel ? nested && name.startsWith("Kernel ") : !nested && name.equals("System RAM");
            if (!want) continue;
            String[] r = line.substring(0, colon).strip().split("-");
            if (r.length != 2) continue;
            var a = Numbers.parseHex(r[0]);
            var b = Numbers.parseHex(r[1]);
            // a line that is not a range, or a range shown as zeros to a reader without root, is left out
            if (a.isEmpty() || b.isEmpty() || Long.compareUnsigned(b.getAsLong(), a.getAsLong()) <= 0) continue;
            bytes += b.getAsLong() - a.getAsLong() + 1;
            any = true;
        }
        return any ? bytes / 1024 : null;
    }
}
