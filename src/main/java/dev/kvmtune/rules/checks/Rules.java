package dev.kvmtune.rules.checks;

import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every rule by id; profiles name the ones they use. */
public final class Rules {
    public static final Map<String, Rule> ALL = new LinkedHashMap<>();

    static {
        for (Rule r : List.of(
                new IsolationRules.NohzFullWithinRcuNocbs(),
                new IsolationRules.BootCpuNotNohzFull(),
                new IsolationRules.IsolcpusEqualsNohzFull(),
                new IsolationRules.WholeCores(),
                new IsolationRules.NohzFullNeedsKernel(),
                new IsolationRules.KernelThreadsOffIsolated(),
                new IsolationRules.UserThreadsOffIsolated(),
                new MemoryRules.SwapOff(),
                new MemoryRules.GiganticPagesNeedPdpe1gb(),
                new AdviceRules.PcieAspmTypo(),
                new AdviceRules.ElevatorIgnored(),
                new MemoryRules.HugepagesPerNode(),
                new AdviceRules.RtPeriodMinusOne(),
                new AdviceRules.QemuRealtimeMlock(),
                new PowerRules.GovernorPerformance(),
                new BiosRules.CStates(),
                new BiosRules.Smt(),
                new BiosRules.Virtualization(),
                new BiosRules.Iommu(),
                new BiosRules.Numa(),
                new BiosRules.Manual(),
                new VmRules.Accel(),
                new VmRules.CoreTypes(),
                new VmRules.VirtioNic(),
                new VmRules.Vhost(),
                new VmRules.VirtioDisk(),
                new VmRules.PvEoi(),
                new VmRules.X2apic(),
                new VmRules.PmuOff(),
                new VmRules.KvmclockOff(),
                new VmRules.KvmclockOn(),
                new VmRules.Hugepages("vm.memory.hugepages", Severity.FAIL),
                new VmRules.Hugepages("vm.memory.hugepages_preferred", Severity.INFO),
                new VmRules.Locked(),
                new VmRules.BalloonOff(),
                new VmRules.DiskCacheMode(),
                new VmRules.AioNative(),
                new VmRules.Qcow2L2Cache(),
                new VmRules.VcpuPinnedIsolated(),
                new VmRules.PinsApplied(),
                new VmRules.EmulatorOffVcpus(),
                new VmRules.VcpuFifoBelowKsoftirqd(),
                new VmRules.NotUnderstood())) {
            ALL.put(r.id(), r);
        }
    }

    private Rules() {
    }

    static Finding of(String id, Severity s, String area, String title, String why, List<String> evidence, String expected,
                      String actual, Finding.Fix fix, boolean reboot, String reference) {
        return new Finding(id, s, area, title, why, evidence, expected, actual, fix, reboot, reference);
    }
}
