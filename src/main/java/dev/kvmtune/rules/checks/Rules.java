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
                new VmRules.HugetlbfsMounted(),
                new VmMemoryRules.NumaLocal(),
                new VmMemoryRules.HugetlbMatchesRam(),
                new VmMemoryRules.KsmOffWithRealtime(),
                new VmRules.BalloonOff(),
                new VmRules.DiskCacheMode(),
                new VmRules.AioNative(),
                new VmRules.Qcow2L2Cache(),
                new VmRules.VcpuPinnedIsolated(),
                new VmRules.PinsApplied(),
                new VmRules.PinLayersAgree(),
                new VmRules.EmulatorOffVcpus(),
                new VmRules.VcpuFifoBelowKsoftirqd(),
                new VmRules.RtGroupBudget(),
                new VmRules.NotUnderstood())) {
            ALL.put(r.id(), r);
        }
    }

    private Rules() {
    }

    /** A finding of a rule, its parts named: {@code finding(id(), severity, "bios").title(...).why(...) ... .build()}. */
    static Builder finding(String id, Severity severity, String area) {
        return new Builder(id, severity, area);
    }

    /** The parts of a {@link Finding} past its id, severity and area; what is not set stays null (false for reboot). */
    static final class Builder {
        private final String id;
        private final Severity severity;
        private final String area;
        private String title;
        private String why;
        private List<String> evidence = List.of();
        private String expected;
        private String actual;
        private Finding.Fix fix;
        private boolean reboot;
        private String reference;

        private Builder(String id, Severity severity, String area) {
            this.id = id;
            this.severity = severity;
            this.area = area;
        }

        Builder title(String t) {
            title = t;
            return this;
        }

        Builder why(String w) {
            why = w;
            return this;
        }

        Builder evidence(List<String> e) {
            evidence = e;
            return this;
        }

        Builder expected(String e) {
            expected = e;
            return this;
        }

        Builder actual(String a) {
            actual = a;
            return this;
        }

        Builder fix(Finding.Fix f) {
            fix = f;
            return this;
        }

        Builder reboot(boolean r) {
            reboot = r;
            return this;
        }

        Builder reference(String r) {
            reference = r;
            return this;
        }

        Finding build() {
            return new Finding(id, severity, area, title, why, evidence, expected, actual, fix, reboot, reference);
        }
    }
}
