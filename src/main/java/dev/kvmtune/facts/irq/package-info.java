/**
 * Interrupts: {@code proc/interrupts} and {@code proc/softirqs} counts per CPU, each IRQ's
 * affinity and effective affinity, and irqbalance's configuration.
 */
package dev.kvmtune.facts.irq;
