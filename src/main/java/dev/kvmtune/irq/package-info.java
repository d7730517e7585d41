/**
 * {@code kvmtune irq}: where interrupts land and what they cost, from two readings of
 * proc/interrupts, proc/softirqs and proc/stat taken an interval apart.
 */
package dev.kvmtune.irq;
