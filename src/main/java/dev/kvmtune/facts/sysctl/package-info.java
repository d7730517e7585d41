/**
 * Sysctls under {@code proc/sys} and the tracing state, each value with the file it came from.
 */
package dev.kvmtune.facts.sysctl;
