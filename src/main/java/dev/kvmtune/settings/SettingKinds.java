package dev.kvmtune.settings;

import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The setting kinds by the name profiles and plans use for them: one object per kind, which audits
 * it ({@link #KINDS}) and, for the kinds apply changes, makes its changes ({@link #APPLIED}).
 */
public final class SettingKinds {
    /** The kinds a profile may ask for, for the audit. */
    public static final Map<String, SettingKind> KINDS = new LinkedHashMap<>();
    /** The kinds of a plan, for apply: the profile's kinds and the plan's own (vm-thread, swap). */
    public static final Map<String, Applied> APPLIED = new LinkedHashMap<>();

    static {
        put("cmdline", new CmdlineSetting());
        put("sysctl", new SysctlSetting());
        put("sysfs", new SysfsSetting());
        put("module-param", new ModuleParamSetting());
        put("kernel-config", new KernelConfigSetting());
        put("thread-sched", new ThreadSchedSetting());
        put("irq-affinity", new IrqAffinitySetting());
        put("service", new ServiceSetting());
        APPLIED.put("vm-thread", new VmThreadSetting());
        APPLIED.put("swap", new SwapSetting());
    }

    private static <K extends SettingKind & Applied> void put(String name, K kind) {
        KINDS.put(name, kind);
        APPLIED.put(name, kind);
    }

    private SettingKinds() {
    }

    /** A finding for a spec, filled from the spec's own texts. */
    static Finding finding(SettingSpec spec, Severity severity, List<String> evidence, String expected, String actual,
                           Finding.Fix fix, boolean reboot) {
        return new Finding(spec.id(), severity, spec.area() == null ? "general" : spec.area(), spec.title(), spec.why(),
                evidence, expected, actual, fix, reboot, spec.reference());
    }

    /** The severity of a spec that does not match: its own, warn when it names none. */
    static Severity sev(SettingSpec spec) {
        return spec.severity() == null ? Severity.WARN : spec.severity();
    }

    /** Values equal as the kernel means them: trimmed, case-insensitive Y/N and 1/0 alike. */
    public static boolean sameValue(String expected, String actual) {
        return Change.sameValue(expected, actual);
    }
}
