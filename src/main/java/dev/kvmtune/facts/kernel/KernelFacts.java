package dev.kvmtune.facts.kernel;

import dev.kvmtune.facts.source.Sourced;
import java.util.Map;

/**
 * The running kernel: release and version ({@code proc/sys/kernel/osrelease}, {@code version}),
 * whether it is PREEMPT_RT, its command line, what the boot loader is configured to pass next
 * boot, and the build options that decide what tuning can do.
 *
 * @param preemptRt    true/false, from {@code sys/kernel/realtime} or the version string
 * @param preemptModel the preemption model the version string names (PREEMPT_RT, PREEMPT_DYNAMIC, PREEMPT, ...)
 * @param bootLoader   the configured command line, or null when no boot-loader config is readable
 * @param config       selected CONFIG_ options from the kernel config, or null when none is readable
 */
public record KernelFacts(
        Sourced<String> release,
        Sourced<String> version,
        Sourced<Boolean> preemptRt,
        String preemptModel,
        Sourced<KernelCmdline> cmdline,
        BootLoaderReader.BootLoader bootLoader,
        KernelConfigReader.KernelConfig config) {

    /** Convenience: options map or empty. */
    public Map<String, String> configOptions() {
        return config == null ? Map.of() : config.options();
    }
}
