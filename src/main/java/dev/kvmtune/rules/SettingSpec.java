package dev.kvmtune.rules;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One desired setting of a profile.
 *
 * @param kind      cmdline, sysctl, sysfs, module-param, kernel-config
 * @param key       parameter, sysctl name, root-relative path, module.param, CONFIG_ option
 * @param expected  desired value; {@code ${isolated}} and {@code ${housekeeping}} stand for the
 *                  audit's CPU sets; for cmdline also "present" and "absent"
 * @param severity  of the finding when the setting does not match
 * @param area      group in the report: isolation, power, memory, interrupts, scheduling, kernel, ...
 * @param why       two or three sentences: what it does, why it matters, its cost
 * @param reference where it is documented
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SettingSpec(
        String kind,
        String key,
        String expected,
        Severity severity,
        String area,
        String title,
        String why,
        String reference) {

    /** Identity within a profile: kind and key. */
    public String identity() {
        return kind + ":" + key;
    }

    /** Stable dotted id for findings: kind.key, e.g. {@code sysctl.kernel.watchdog}. */
    public String id() {
        return kind.replace('-', '_') + "." + key.replace('/', '.');
    }
}
