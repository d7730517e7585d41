package dev.kvmtune.settings;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import java.util.List;

/** A kernel build option, from boot/config-RELEASE or proc/config.gz. Only a new kernel changes it. */
final class KernelConfigSetting implements SettingKind, Applied {
    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        var config = ctx.facts().kernel().config();
        String expected = ctx.expand(spec.expected());
        if (config == null) {
            return SettingKinds.finding(spec, Severity.INFO, List.of("no boot/config-<release> or proc/config.gz"), expected, "unknown", null, false);
        }
        String actual = config.options().getOrDefault(spec.key(), "absent");
        boolean ok = SettingKinds.sameValue(expected, actual) || (expected.equals("y") && actual.equals("m"));
        Finding.Fix fix = new Finding.Fix(null, "boot a kernel built with " + spec.key() + "=" + expected
                + (spec.key().equals("CONFIG_PREEMPT_RT") ? " (Debian: linux-image-rt-" + debianArch(ctx) + "; RHEL: kernel-rt)" : ""));
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), List.of(config.source() + ": " + spec.key() + "=" + actual),
                expected, actual, ok ? null : fix, !ok);
    }

    /** Debian's name for the host's architecture in kernel package names. */
    private static String debianArch(AuditContext ctx) {
        var id = ctx.facts().cpu().identity();
        String arch = id == null ? null : id.arch();
        return arch == null || arch.equals("x86_64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch.equals("ppc64le") ? "powerpc64le"
                : arch.equals("riscv64") ? "riscv64" : arch;
    }

    /** Nothing: only a new kernel changes a build option. */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        return Changes.none(d, false, "a kernel build option (" + d.key() + "=" + d.value() + "): audit checks it, apply cannot change the kernel");
    }

    @Override
    public boolean rebootOnly() {
        return true;
    }
}
