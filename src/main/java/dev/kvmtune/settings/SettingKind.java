package dev.kvmtune.settings;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;

/**
 * One kind of knob. Reading and comparing live here, so that audit (and later plan and apply)
 * go through the same code for the same kind.
 */
public interface SettingKind {
    /** Reads the current value and compares it with the spec: a PASS finding when it matches. */
    Finding check(AuditContext ctx, SettingSpec spec);
}
