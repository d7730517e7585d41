package dev.kvmtune.facts.vm;

import dev.kvmtune.facts.vm.qmp.Qmp;
import dev.kvmtune.facts.vm.qmp.QmpClient;
import dev.kvmtune.facts.vm.qmp.QmpException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Asks a running VM over QMP what its process does not show: which threads are its vCPUs and
 * iothreads (needed without debug-threads=on), its name, and KVM's counters. Live hosts only.
 */
public final class VmProbe {
    private VmProbe() {
    }

    /** The VM with QMP's answers; when no socket answers, the reason is kept in {@link VmFacts.QmpInfo#error()}. */
    public static VmFacts probe(VmFacts vm, Duration timeout) {
        if (!vm.state().equals("running") || vm.vm().qmp() == null || vm.vm().qmp().isEmpty()) return vm;
        String socket = vm.vm().qmp().get(0);
        try (QmpClient c = QmpClient.connect(Path.of(socket), timeout)) {
            List<Qmp.Vcpu> cpus = Qmp.vcpus(c);
            Map<Integer, Integer> vcpus = Qmp.vcpuThreads(cpus);
            Map<String, Integer> io = Qmp.iothreads(c);
            String name = Qmp.name(c);
            Map<String, Long> vmStats = null;
            Map<Integer, Map<String, Long>> vcpuStats = null;
            try {
                vmStats = Qmp.stats(c, "vm").getOrDefault("vm", Map.of());
                vcpuStats = new TreeMap<>();
                Map<String, Map<String, Long>> byPath = Qmp.stats(c, "vcpu");
                for (Qmp.Vcpu v : cpus) {
                    if (byPath.containsKey(v.qomPath())) vcpuStats.put(v.index(), byPath.get(v.qomPath()));
                }
            } catch (QmpException e) {
                if (e.kind() != QmpException.Kind.ERROR) throw e; // older QEMU: no query-stats; the rest stands
            }
            VmFacts.QmpInfo info = new VmFacts.QmpInfo(socket, c.qemuVersion(), name, vcpus, io, vmStats,
                    vcpuStats, null);
            return new VmFacts(vm.state(), vm.vm(), VmThread.withQmp(vm.threads(), vcpus, io), info);
        } catch (QmpException e) {
            return new VmFacts(vm.state(), vm.vm(), vm.threads(),
                    new VmFacts.QmpInfo(socket, null, null, null, null, null, null, e.getMessage()));
        }
    }
}
