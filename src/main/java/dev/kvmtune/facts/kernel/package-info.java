/**
 * The running kernel: release and version, preemption model, the command line (and what the
 * boot loader is configured with), and its build options from {@code boot/config-*} or {@code proc/config.gz}.
 */
package dev.kvmtune.facts.kernel;
