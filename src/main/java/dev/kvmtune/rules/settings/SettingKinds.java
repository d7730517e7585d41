package dev.kvmtune.rules.settings;

import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The setting kinds by the name profiles use for them. */
public final class SettingKinds {
    public static final Map<String, SettingKind> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("cmdline", new CmdlineSetting());
        KINDS.put("sysctl", new SysctlSetting());
        KINDS.put("sysfs", new SysfsSetting());
        KINDS.put("module-param", new ModuleParamSetting());
        KINDS.put("kernel-config", new KernelConfigSetting());
        KINDS.put("thread-sched", new ThreadSchedSetting());
        KINDS.put("irq-affinity", new IrqAffinitySetting());
        KINDS.put("service", new ServiceSetting());
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
        if (actual == null) return false;
        String e = norm(expected);
        String a = norm(actual);
        return e.equals(a);
    }

    private static String norm(String v) {
        String s = v.strip().replaceAll("\\s+", " ");
        return switch (s) {
            case "Y", "y" -> "1";
            case "N", "n" -> "0";
            default -> s;
        };
    }
}
