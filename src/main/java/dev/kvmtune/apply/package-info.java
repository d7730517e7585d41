/**
 * Apply and rollback: a plan's settings become {@link dev.kvmtune.settings.change.Change}s, applied as one
 * transaction by {@link dev.kvmtune.apply.Applier} under the protocol of CONVENTIONS item 7 (read,
 * skip when equal, journal and fsync, write, read back) and undone from the journal alone by
 * {@link dev.kvmtune.apply.Rollback}, so that a crash is finished the same way as a failure.
 */
package dev.kvmtune.apply;
