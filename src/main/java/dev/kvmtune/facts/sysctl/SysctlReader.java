package dev.kvmtune.facts.sysctl;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads sysctls through {@code proc/sys} (Documentation/admin-guide/sysctl/), named the way
 * sysctl(8) names them ({@code kernel.sched_rt_runtime_us} is proc/sys/kernel/sched_rt_runtime_us),
 * and the tracing state the realtime profiles care about from tracefs
 * ({@code sys/kernel/tracing}, or the older {@code sys/kernel/debug/tracing}).
 */
public final class SysctlReader {
    /** Sysctls the built-in profiles look at. */
    public static final List<String> PROFILE_SYSCTLS = List.of(
            "kernel.watchdog", "kernel.nmi_watchdog", "kernel.sched_rt_runtime_us", "kernel.sched_rt_period_us",
            "kernel.timer_migration", "kernel.numa_balancing", "kernel.ftrace_enabled", "kernel.hung_task_timeout_secs",
            "vm.stat_interval", "vm.swappiness", "vm.dirty_ratio", "vm.dirty_background_ratio");

    public static final String TRACEFS = "sys/kernel/tracing";
    public static final String DEBUGFS_TRACING = "sys/kernel/debug/tracing";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tracing(String dir, Sourced<String> currentTracer, Sourced<String> tracingOn) {
    }

    private SysctlReader() {
    }

    /** proc/sys path of a dotted sysctl name (dots become slashes, as sysctl(8) does). */
    public static String path(String name) {
        return "proc/sys/" + name.replace('.', '/');
    }

    public static Sourced<String> read(Root root, String name) {
        // multi-value sysctls (kernel.printk) are tab separated; keep them single-spaced
        return Sourced.read(root, path(name), s -> s.replaceAll("\\s+", " "));
    }

    public static Map<String, Sourced<String>> readAll(Root root, List<String> names) {
        Map<String, Sourced<String>> m = new LinkedHashMap<>();
        for (String n : names) m.put(n, read(root, n));
        return m;
    }

    /** The tracing state, or null when tracefs is not mounted (nothing to read). */
    public static Tracing readTracing(Root root) {
        for (String dir : List.of(TRACEFS, DEBUGFS_TRACING)) {
            if (root.exists(dir + "/current_tracer")) {
                return new Tracing(dir, Sourced.text(root, dir + "/current_tracer"), Sourced.text(root, dir + "/tracing_on"));
            }
        }
        return null;
    }
}
