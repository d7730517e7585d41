/**
 * The Prometheus exporter: one reading of the host (facts, audit, interrupts, VMs, the last latency
 * result) as metric families of the Prometheus Java client, kept for every scrape until the next
 * reading. Above facts, rules and the analyses it reads; only cli uses it.
 */
package dev.kvmtune.exporter;
