/**
 * The facts of a host ({@link dev.kvmtune.facts.HostFacts}) and the collector that reads every
 * section of them from a root, live or captured; the readers are the subpackages, one per area.
 */
package dev.kvmtune.facts;
