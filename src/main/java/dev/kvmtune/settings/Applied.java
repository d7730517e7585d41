package dev.kvmtune.settings;

import java.io.IOException;

/**
 * A setting kind as plans hold it and apply makes it true: the same class that audits it checks the
 * key a plan names, turns the profile's value into the plan's, renders its persistent form and says
 * how to change it now.
 */
public sealed interface Applied permits CmdlineSetting, SysctlSetting, SysfsSetting, ModuleParamSetting, KernelConfigSetting,
        ThreadSchedSetting, IrqAffinitySetting, ServiceSetting, VmThreadSetting, SwapSetting {
    /**
     * Refuses a key this kind cannot hold (a plan edited by hand or written by someone else): a path
     * outside its tree, a malformed name.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    default void checkKey(String key) {
    }

    /** The value as the plan holds it: what apply writes (CPU lists become masks where the kernel reads masks). */
    default String planValue(String key, String value, int cpus) {
        return value;
    }

    /** It takes effect only at the next boot (kernel command line, kernel build). */
    default boolean rebootOnly() {
        return false;
    }

    /** Its line in a sysctl.d file; null for every kind but sysctl. */
    default String sysctlLine(Desired d) {
        return null;
    }

    /** The changes that make this value true now, or why there are none. */
    Changes changes(Desired d, ApplyContext c) throws IOException;

    /**
     * For a kernel command line parameter: the {@code name[=value]} that goes to the boot loader
     * with the others (one edit for all of them); null for every other kind.
     */
    default String bootParameter(Desired d) {
        return null;
    }
}
