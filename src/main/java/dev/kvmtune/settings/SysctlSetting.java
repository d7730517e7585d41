package dev.kvmtune.settings;

import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.facts.sysctl.SysctlReader;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import java.util.List;

/** A sysctl under proc/sys (Documentation/admin-guide/sysctl/). */
final class SysctlSetting implements SettingKind, Applied {
    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        Sourced<String> v = ctx.facts().sysctls().get(spec.key());
        if (v == null) v = SysctlReader.read(ctx.root(), spec.key());
        String expected = ctx.expand(spec.expected());
        List<String> evidence = List.of(v.source() + " = " + v);
        Finding.Fix fix = new Finding.Fix("sysctl -w " + spec.key() + "=" + expected,
                "/etc/sysctl.d/90-kvmtune.conf: " + spec.key() + " = " + expected);
        if (!v.isPresent()) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not available on this kernel (" + v + ")", null, false);
        }
        boolean ok = SettingKinds.sameValue(expected, v.value());
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, v.value(), ok ? null : fix, false);
    }

    /** The value written to proc/sys. */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        return KernelValues.one(c.host(), d, "proc/sys/" + d.key().replace('.', '/'), Change.Compare.PLAIN, List.of());
    }

    @Override
    public void checkKey(String key) {
        Keys.relative("sysctl", key, "[./]");
    }

    /** sysctl.d(5): {@code name = value}. */
    @Override
    public String sysctlLine(Desired d) {
        return d.key() + " = " + d.value();
    }
}
