package dev.kvmtune.facts.kernel;

import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;

/**
 * Reads the kernel's identity: {@code proc/sys/kernel/osrelease} and {@code version}
 * (Documentation/admin-guide/sysctl/kernel.rst), {@code sys/kernel/realtime} (present and "1" on
 * PREEMPT_RT kernels) and {@code proc/cmdline} (Documentation/admin-guide/kernel-parameters.rst).
 */
public final class KernelReader {
    public static final String CMDLINE = "proc/cmdline";
    public static final String OSRELEASE = "proc/sys/kernel/osrelease";
    public static final String VERSION = "proc/sys/kernel/version";
    public static final String REALTIME = "sys/kernel/realtime";

    private KernelReader() {
    }

    public static Sourced<KernelCmdline> readCmdline(Root root) {
        return Sourced.read(root, CMDLINE, KernelCmdline::parse);
    }

    public static KernelFacts read(Root root) {
        Sourced<String> release = Sourced.text(root, OSRELEASE);
        Sourced<String> version = Sourced.text(root, VERSION);
        Sourced<Boolean> rt;
        var realtime = root.read(REALTIME);
        if (realtime.isPresent()) {
            rt = Sourced.of(realtime.get().strip().equals("1"), REALTIME);
        } else if (version.isPresent()) {
            rt = Sourced.of(preemptModel(version.value()).equals("PREEMPT_RT"), VERSION);
        } else {
            rt = Sourced.missing(REALTIME);
        }
        return new KernelFacts(release, version, rt, version.isPresent() ? preemptModel(version.value()) : null,
                readCmdline(root), BootLoaderReader.read(root),
                KernelConfigReader.read(root, release.orElse(null)));
    }

    /** The preemption model named in a version string such as {@code #1 SMP PREEMPT_DYNAMIC ...}. */
    static String preemptModel(String version) {
        for (String w : version.split("\\s+")) {
            if (w.equals("PREEMPT_RT") || w.equals("PREEMPT_DYNAMIC") || w.equals("PREEMPT") || w.equals("PREEMPT_VOLUNTARY")) {
                return w;
            }
        }
        return "none";
    }
}
