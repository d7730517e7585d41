/**
 * Plan: from the host's topology and the VMs' needs, one consistent configuration. The
 * {@link dev.kvmtune.plan.Partitioner} splits CPUs and hugepages, the {@link dev.kvmtune.plan.Planner}
 * turns the partition and a profile into an immutable {@link dev.kvmtune.plan.Plan}, and the
 * renderers in {@code plan.render} write the configuration files from it, purely and deterministically.
 */
package dev.kvmtune.plan;
