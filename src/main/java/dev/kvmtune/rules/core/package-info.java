/**
 * What the audit's parts share: the {@link dev.kvmtune.rules.core.AuditContext} they read, the
 * {@link dev.kvmtune.rules.core.Finding} they give with its {@link dev.kvmtune.rules.core.Severity},
 * and the profile's {@link dev.kvmtune.rules.core.SettingSpec}. Rules, setting kinds and the audit
 * itself depend on it; it depends on facts alone.
 */
package dev.kvmtune.rules.core;
