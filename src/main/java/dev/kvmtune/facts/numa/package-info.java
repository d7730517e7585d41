/**
 * NUMA nodes from {@code sys/devices/system/node}: CPUs in any layout, memory, distances and
 * hugepage pools per node.
 */
package dev.kvmtune.facts.numa;
