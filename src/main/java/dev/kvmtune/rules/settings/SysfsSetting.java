package dev.kvmtune.rules.settings;

import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * A value in sysfs or procfs, by root-relative path. Selection files ({@code always [madvise] never})
 * are compared on the bracketed choice; {@code cpumask} files (workqueue masks) hold a hex mask and
 * are compared as CPU sets with an expected CPU list.
 */
final class SysfsSetting implements SettingKind {
    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        Sourced<String> v = Sourced.read(ctx.root(), spec.key(), s -> s.contains("[") ? MemoryReader.selected(s) : s);
        String expected = ctx.expand(spec.expected());
        List<String> evidence = List.of(spec.key() + " = " + v);
        if (!v.isPresent()) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not available (" + v + ")", null, false);
        }
        if (spec.key().endsWith("/cpumask")) return cpumask(ctx, spec, v, expected, evidence);
        boolean ok = SettingKinds.sameValue(expected, v.value());
        Finding.Fix fix = new Finding.Fix("echo " + expected + " > /" + spec.key(),
                "a tuned profile [sysfs] line /" + spec.key() + "=" + expected + ", or a systemd-tmpfiles line 'w /" + spec.key() + " - - - - " + expected + "'");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, v.value(), ok ? null : fix, false);
    }

    private static Finding cpumask(AuditContext ctx, SettingSpec spec, Sourced<String> v, String expected, List<String> evidence) {
        CpuSet want = CpuSet.parseList(expected);
        CpuSet actual;
        try {
            actual = CpuSet.parseMask(v.value().strip()).intersect(ctx.facts().cpu().online());
        } catch (IllegalArgumentException e) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not a CPU mask: " + v.value().strip(), null, false);
        }
        boolean ok = actual.equals(want);
        String mask = want.toMask(ctx.facts().cpu().lastCpu() + 1);
        Finding.Fix fix = new Finding.Fix("echo " + mask + " > /" + spec.key(),
                "a tuned profile [sysfs] line /" + spec.key() + "=" + mask + ", or a systemd-tmpfiles line 'w /" + spec.key() + " - - - - " + mask + "'");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, "CPUs " + want, "CPUs " + actual.toList(),
                ok ? null : fix, false);
    }
}
