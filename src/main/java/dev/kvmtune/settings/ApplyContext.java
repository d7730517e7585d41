package dev.kvmtune.settings;

import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.settings.change.HostAccess;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a setting kind may need of the host when it makes its changes.
 *
 * @param cpus         possible CPUs: the width of CPU masks
 * @param tasks        the host's threads, read once for every kind that picks threads
 * @param vms          the running VMs, discovered when a kind first asks
 * @param allowSwapoff turn swap off when the plan says so (it can take long and needs free memory)
 */
public record ApplyContext(HostAccess host, int cpus, List<ProcessReader.Task> tasks, Supplier<List<VmFacts>> vms, boolean allowSwapoff) {
}
