package dev.kvmtune.facts.kernel;

import dev.kvmtune.facts.source.Root;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Reads the running kernel's build configuration: {@code boot/config-<release>} (Debian, Fedora)
 * or {@code proc/config.gz} (CONFIG_IKCONFIG_PROC). Only the options that decide what tuning can
 * do are kept; an option that is "not set" is recorded as "n".
 */
public final class KernelConfigReader {
    public static final String PROC_CONFIG = "proc/config.gz";

    /** The options kvmtune looks at. */
    public static final List<String> OPTIONS = List.of(
            "CONFIG_PREEMPT_RT", "CONFIG_PREEMPT", "CONFIG_PREEMPT_DYNAMIC", "CONFIG_NO_HZ_FULL", "CONFIG_NO_HZ_IDLE",
            "CONFIG_RCU_NOCB_CPU", "CONFIG_KSM", "CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_HZ", "CONFIG_HZ_PERIODIC",
            "CONFIG_NUMA", "CONFIG_HUGETLBFS", "CONFIG_KVM", "CONFIG_VHOST_NET", "CONFIG_CPU_ISOLATION",
            "CONFIG_IRQ_TIME_ACCOUNTING", "CONFIG_LOCKUP_DETECTOR", "CONFIG_FTRACE");
    /** The same, for the lookup of each of a config's ten thousand lines (a cold run interprets every one). */
    private static final java.util.Set<String> WANTED = java.util.Set.copyOf(OPTIONS);

    public record KernelConfig(String source, Map<String, String> options) {
        public boolean enabled(String option) {
            String v = options.get(option);
            return "y".equals(v) || "m".equals(v);
        }
    }

    private KernelConfigReader() {
    }

    public static KernelConfig read(Root root, String release) {
        if (release != null && !release.isBlank() && !release.contains("/")) {
            String path = "boot/config-" + release.strip();
            var text = root.read(path);
            if (text.isPresent()) return new KernelConfig(path, parse(text.get()));
        }
        var gz = root.readBytes(PROC_CONFIG);
        if (gz.isPresent()) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(gz.get()))) {
                return new KernelConfig(PROC_CONFIG, parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                return null; // corrupt config.gz: no config information rather than a wrong one
            }
        }
        return null;
    }

    /** {@code CONFIG_X=y} lines and {@code # CONFIG_X is not set} lines; other lines are skipped. */
    static Map<String, String> parse(String text) {
        Map<String, String> opts = new TreeMap<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.startsWith("# CONFIG_") && t.endsWith(" is not set")) {
                String name = t.substring(2, t.length() - " is not set".length());
                if (WANTED.contains(name)) opts.put(name, "n");
            } else if (t.startsWith("CONFIG_")) {
                int eq = t.indexOf('=');
                if (eq < 0) continue;
                String name = t.substring(0, eq);
                if (WANTED.contains(name)) {
                    String v = t.substring(eq + 1);
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                    opts.put(name, v);
                }
            }
        }
        return opts;
    }
}
