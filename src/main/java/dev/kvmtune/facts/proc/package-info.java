/**
 * Processes and threads from {@code proc/PID/task/TID}: their scheduling policy, priority,
 * allowed and last CPU, and the kernel threads by kind (ksoftirqd, rcuc, kworker ...).
 */
package dev.kvmtune.facts.proc;
