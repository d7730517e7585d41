package dev.kvmtune.settings;

import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * A value in sysfs or procfs, by root-relative path. Selection files ({@code always [madvise] never})
 * are compared on the bracketed choice; {@code cpumask} files (workqueue masks) hold a hex mask and
 * are compared as CPU sets with an expected CPU list, as are a NIC queue's {@code rps_cpus} and
 * {@code xps_cpus}.
 */
final class SysfsSetting implements SettingKind, Applied {
    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        Sourced<String> v = Sourced.read(ctx.root(), spec.key(), s -> s.contains("[") ? MemoryReader.selected(s) : s);
        String expected = ctx.expand(spec.expected());
        List<String> evidence = List.of(spec.key() + " = " + v);
        if (!v.isPresent()) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not available (" + v + ")", null, false);
        }
        if (isMask(spec.key())) return cpumask(ctx, spec, v, expected, evidence);
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

    /**
     * The value written to the file: CPU masks compared as sets, bracketed choices by the chosen
     * one. KSM's run=0 goes through run=2 first, which unmerges every shared page; writing 0 straight
     * away would leave them merged.
     */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        Change.Compare compare = isMask(d.key()) ? Change.Compare.CPUMASK : Change.Compare.PLAIN;
        if (compare == Change.Compare.PLAIN && KernelValues.isSelection(c.host(), d.key())) compare = Change.Compare.SELECTION;
        List<String> first = d.key().equals("sys/kernel/mm/ksm/run") && d.value().equals("0") ? List.of("2") : List.of();
        return KernelValues.one(c.host(), d, d.key(), compare, first);
    }

    @Override
    public void checkKey(String key) {
        if (!key.startsWith("sys/")) throw new IllegalArgumentException("sysfs setting '" + key + "' is not under sys/");
        Keys.relative("sysfs setting", key, "/");
    }

    /** The kernel reads and prints cpumask files as hex masks: the plan holds what apply writes. */
    @Override
    public String planValue(String key, String value, int cpus) {
        if (!isMask(key)) return value;
        return (value.isBlank() ? CpuSet.EMPTY : CpuSet.parseList(value)).toMask(cpus);
    }

    /** Files the kernel reads and prints as hex CPU masks: workqueue cpumask, a NIC queue's RPS and XPS CPUs. */
    static boolean isMask(String key) {
        return key.endsWith("/cpumask") || key.endsWith("/rps_cpus") || key.endsWith("/xps_cpus");
    }
}
