package dev.kvmtune.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One desired value of the plan, in the vocabulary of the profile's setting kinds, so that apply
 * and audit read and write it through the same class.
 *
 * @param kind   cmdline, sysctl, sysfs, module-param, kernel-config, thread-sched, irq-affinity,
 *               service, or vm-thread (a running VM's threads by role: {@code VM/vcpuN},
 *               {@code VM/emulator}; value {@code cpus=LIST} with an optional {@code fifo:P})
 * @param key    as in the profile: parameter, sysctl, root-relative path, module.param, ...
 * @param value  the desired value with the partition's CPU sets filled in
 * @param cpus   thread-sched only: the CPUs whose per-CPU threads it applies to
 * @param rule   the finding id that asks for it (audit reports the setting under this id)
 * @param reboot it only takes effect after a reboot (kernel command line, kernel build)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlannedSetting(String kind, String key, String value, String cpus, String rule, boolean reboot, String title) {
}
