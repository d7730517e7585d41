package dev.kvmtune.settings;

import dev.kvmtune.facts.irq.InterruptsReader;
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
 * @param interrupts   /proc/interrupts, read once when a kind first asks (irq/N checks the handlers it was planned for)
 */
public record ApplyContext(HostAccess host, int cpus, List<ProcessReader.Task> tasks, Supplier<List<VmFacts>> vms, boolean allowSwapoff,
                           Supplier<InterruptsReader.Table> interrupts) {
    public ApplyContext(HostAccess host, int cpus, List<ProcessReader.Task> tasks, Supplier<List<VmFacts>> vms, boolean allowSwapoff) {
        this(host, cpus, tasks, vms, allowSwapoff, once(() -> InterruptsReader.read(host.root())));
    }

    /** A value read when first asked for, then kept. */
    public static <T> Supplier<T> once(Supplier<T> s) {
        return new Supplier<>() {
            private boolean done;
            private T value;

            @Override
            public synchronized T get() {
                if (!done) {
                    value = s.get();
                    done = true;
                }
                return value;
            }
        };
    }
}
