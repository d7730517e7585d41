package dev.kvmtune.rules.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One desired setting of a profile.
 *
 * @param kind      cmdline, sysctl, sysfs, module-param, kernel-config, thread-sched, irq-affinity, service
 * @param key       parameter, sysctl name, root-relative path, module.param, CONFIG_ option, thread-name
 *                  regex, {@code movable} or {@code default} IRQs, service process name
 * @param expected  desired value; {@code ${isolated}} and {@code ${housekeeping}} stand for the
 *                  audit's CPU sets; for cmdline also "present" and "absent"
 * @param severity  of the finding when the setting does not match
 * @param area      group in the report: isolation, power, memory, interrupts, scheduling, kernel, ...
 * @param why       two or three sentences: what it does, why it matters, its cost
 * @param reference where it is documented
 * @param cpus      thread-sched only: check just the per-CPU threads bound to these CPUs
 * @param vendor    the CPU vendor (cpuinfo's vendor_id) the setting belongs to; null for every vendor
 * @param arch      the architecture (x86_64, aarch64, ...) the setting exists on; null for every one
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
        String reference,
        String cpus,
        String vendor,
        String arch) {

    /** A setting for every CPU vendor. */
    public SettingSpec(String kind, String key, String expected, Severity severity, String area, String title, String why, String reference,
                       String cpus) {
        this(kind, key, expected, severity, area, title, why, reference, cpus, null, null);
    }

    /**
     * Whether the setting exists on a host of this CPU vendor (cpuinfo's vendor_id) and
     * architecture: kvm_intel's parameters and intel_pstate are Intel's, kvm_amd's AMD's, idle=,
     * tsc= and mce= x86's. Elsewhere it is not applicable (never audited as missing, never planned);
     * a host whose vendor or architecture is unknown gets every setting.
     */
    public boolean appliesTo(String hostVendor, String hostArch) {
        return (vendor == null || hostVendor == null || vendor.equals(hostVendor))
                && (arch == null || hostArch == null || arch.equals(hostArch));
    }

    /** The value or CPU selector names the isolated set, so the setting means nothing on a host without one. */
    public boolean needsIsolated() {
        return expected.contains("${isolated}") || (cpus != null && cpus.contains("${isolated}"));
    }

    /** Replaces {@code ${isolated}} and {@code ${housekeeping}} in a profile value with CPU lists. */
    public static String expand(String value, dev.kvmtune.util.CpuSet isolated, dev.kvmtune.util.CpuSet housekeeping) {
        return value.replace("${isolated}", isolated.toList()).replace("${housekeeping}", housekeeping.toList());
    }

    /** Identity within a profile: kind and key. */
    public String identity() {
        return kind + ":" + key;
    }

    /**
     * Stable dotted id for findings: kind.key, e.g. {@code sysctl.kernel.watchdog}; a thread-name
     * regex keeps only its name characters ({@code ^ksoftirqd/} gives {@code thread_sched.ksoftirqd}).
     */
    public String id() {
        String k = key.replace('/', '.').replaceAll("[^A-Za-z0-9_.-]", "").replaceAll("\\.{2,}", ".").replaceAll("^\\.|\\.$", "");
        return kind.replace('-', '_') + "." + k;
    }
}
