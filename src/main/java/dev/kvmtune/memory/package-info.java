/**
 * {@code kvmtune mem}'s views over the facts of {@code facts.memory}: per process, user, mapping, VM,
 * NUMA node and the whole system, as tables that sort, filter, total and chart alike.
 */
package dev.kvmtune.memory;
