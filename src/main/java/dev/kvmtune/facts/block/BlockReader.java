package dev.kvmtune.facts.block;

import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.source.Root;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the I/O scheduler of each block device from {@code sys/block/<dev>/queue/scheduler}
 * (Documentation/block/switching-sched.rst): the selected one is bracketed,
 * {@code [none] mq-deadline}. Devices without a queue (partitions are not listed here) are skipped.
 */
public final class BlockReader {
    public static final String DIR = "sys/block";

    public record BlockDevice(String name, String scheduler, List<String> available, String source) {
    }

    private BlockReader() {
    }

    public static List<BlockDevice> read(Root root) {
        List<BlockDevice> out = new ArrayList<>();
        for (String dev : root.list(DIR)) {
            String path = DIR + "/" + dev + "/queue/scheduler";
            var text = root.read(path);
            if (text.isEmpty()) continue;
            String t = text.get().strip();
            List<String> avail = Arrays.stream(t.split("\\s+")).map(s -> s.replace("[", "").replace("]", "")).filter(s -> !s.isEmpty()).toList();
            out.add(new BlockDevice(dev, MemoryReader.selected(t), avail, path));
        }
        return out;
    }
}
