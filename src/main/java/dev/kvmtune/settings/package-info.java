/**
 * One class per kind of setting (kernel command line parameter, sysctl, sysfs value, module
 * parameter, kernel build option, kernel-thread scheduling, IRQ affinity, service, VM thread
 * placement, swap): each reads the current value through the facts, compares it with the desired
 * one for the audit, and makes the changes apply journals and undoes ({@link
 * dev.kvmtune.settings.change}). Below plan and apply, beside the audit's rules.
 */
package dev.kvmtune.settings;
