/**
 * The audit's rules that look across layers (isolation, BIOS as the OS shows it, power, memory,
 * VMs, known wrong advice), each with a dotted id and the texts of its findings.
 */
package dev.kvmtune.rules.checks;
