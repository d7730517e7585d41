package dev.kvmtune.settings;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;

/**
 * One kind of knob, as a profile asks for it: reading and comparing live here, and the same class
 * makes apply's changes ({@link Applied}), so that audit, plan and apply go through one code path
 * per kind. The kinds are a closed set: a new one is added here, with its class.
 */
public sealed interface SettingKind permits CmdlineSetting, SysctlSetting, SysfsSetting, ModuleParamSetting, KernelConfigSetting,
        ThreadSchedSetting, IrqAffinitySetting, ServiceSetting {
    /** Reads the current value and compares it with the spec: a PASS finding when it matches. */
    Finding check(AuditContext ctx, SettingSpec spec);
}
