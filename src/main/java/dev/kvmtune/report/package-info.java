/**
 * Measurement bundles and the report made from them: {@link dev.kvmtune.report.Manifest} (what a
 * {@code kvmtune measure} run recorded, skipped and why), {@link dev.kvmtune.report.Bundle} (a
 * bundle directory read back, each part present or missing with the reason),
 * {@link dev.kvmtune.report.Comparison} (one to many bundles side by side, the data of
 * {@code report --format json}) and {@link dev.kvmtune.report.HtmlReport} (the same as one
 * self-contained HTML page).
 */
package dev.kvmtune.report;
