/**
 * Where facts are read from: a {@link dev.kvmtune.facts.source.Root} (the live host, a directory
 * tree, a snapshot archive) and the {@link dev.kvmtune.facts.source.Sourced} values that name the
 * file each came from. Every fact reader depends on this package and on nothing else of facts.
 */
package dev.kvmtune.facts.source;
