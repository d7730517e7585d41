/**
 * Memory: {@code proc/meminfo}, swap areas, transparent hugepages, KSM and the hugepage pools.
 */
package dev.kvmtune.facts.memory;
