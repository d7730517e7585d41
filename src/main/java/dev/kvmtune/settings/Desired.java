package dev.kvmtune.settings;

/**
 * A value a plan wants, as apply gets it: the plan's setting without the plan.
 *
 * @param kind  the setting kind's name (sysctl, sysfs, ...)
 * @param cpus  thread-sched only: the CPUs whose per-CPU threads it applies to
 */
public record Desired(String kind, String key, String value, String cpus, String title) {
    /** How apply and its journal name it: {@code kind key}. */
    public String label() {
        return kind + " " + key;
    }
}
