/**
 * Snapshots: capture records what the readers read through a recording root and writes it as a
 * tar.gz with its metadata and redactions; the snapshot root reads one back with the same limits
 * on size, depth and names as any other input.
 */
package dev.kvmtune.facts.snapshot;
