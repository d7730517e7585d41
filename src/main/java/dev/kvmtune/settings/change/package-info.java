/**
 * A change to the host and its undo: {@link dev.kvmtune.settings.change.Change} (kernel value, file,
 * directory, thread, command), the {@link dev.kvmtune.settings.change.JournalRecord} step each one
 * writes before it is made and that undoes it, and the {@link dev.kvmtune.settings.change.HostAccess}
 * they go through (the live host or a directory tree).
 */
package dev.kvmtune.settings.change;
