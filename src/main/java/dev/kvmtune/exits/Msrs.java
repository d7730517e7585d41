package dev.kvmtune.exits;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names of the MSRs a guest touches often enough to show in an exit profile: the x2APIC registers
 * (0x800 + the xAPIC offset / 16, Intel SDM vol. 3 table 11-6 / 10-6), the TSC deadline timer,
 * KVM's paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst) and the common architectural ones.
 */
public final class Msrs {
    private static final Map<Long, String> NAMES = new TreeMap<>();

    static {
        put(0x10, "IA32_TSC");
        put(0x1b, "IA32_APIC_BASE");
        put(0x3a, "IA32_FEATURE_CONTROL");
        put(0x3b, "IA32_TSC_ADJUST");
        put(0x48, "IA32_SPEC_CTRL");
        put(0x49, "IA32_PRED_CMD");
        put(0x8b, "IA32_BIOS_SIGN_ID");
        put(0xe7, "IA32_MPERF");
        put(0xe8, "IA32_APERF");
        put(0x10a, "IA32_ARCH_CAPABILITIES");
        put(0x10b, "IA32_FLUSH_CMD");
        put(0x174, "IA32_SYSENTER_CS");
        put(0x175, "IA32_SYSENTER_ESP");
        put(0x176, "IA32_SYSENTER_EIP");
        put(0x179, "IA32_MCG_CAP");
        put(0x17a, "IA32_MCG_STATUS");
        put(0x1a0, "IA32_MISC_ENABLE");
        put(0x1d9, "IA32_DEBUGCTL");
        put(0x277, "IA32_PAT");
        put(0x38d, "IA32_FIXED_CTR_CTRL");
        put(0x38e, "IA32_PERF_GLOBAL_STATUS");
        put(0x38f, "IA32_PERF_GLOBAL_CTRL");
        put(0x390, "IA32_PERF_GLOBAL_OVF_CTRL");
        put(0x6e0, "IA32_TSC_DEADLINE");
        put(0x802, "X2APIC_ID");
        put(0x803, "X2APIC_VERSION");
        put(0x808, "X2APIC_TPR");
        put(0x80a, "X2APIC_PPR");
        put(0x80b, "X2APIC_EOI");
        put(0x80d, "X2APIC_LDR");
        put(0x80f, "X2APIC_SIVR");
        for (int i = 0; i < 8; i++) {
            put(0x810 + i, "X2APIC_ISR" + i);
            put(0x818 + i, "X2APIC_TMR" + i);
            put(0x820 + i, "X2APIC_IRR" + i);
        }
        put(0x828, "X2APIC_ESR");
        put(0x82f, "X2APIC_LVT_CMCI");
        put(0x830, "X2APIC_ICR");
        put(0x832, "X2APIC_LVT_TIMER");
        put(0x833, "X2APIC_LVT_THERMAL");
        put(0x834, "X2APIC_LVT_PMI");
        put(0x835, "X2APIC_LVT_LINT0");
        put(0x836, "X2APIC_LVT_LINT1");
        put(0x837, "X2APIC_LVT_ERROR");
        put(0x838, "X2APIC_TIMER_INITIAL_COUNT");
        put(0x839, "X2APIC_TIMER_CURRENT_COUNT");
        put(0x83e, "X2APIC_TIMER_DIVIDE");
        put(0x83f, "X2APIC_SELF_IPI");
        put(0x11, "MSR_KVM_WALL_CLOCK");
        put(0x12, "MSR_KVM_SYSTEM_TIME");
        put(0x4b564d00L, "MSR_KVM_WALL_CLOCK_NEW");
        put(0x4b564d01L, "MSR_KVM_SYSTEM_TIME_NEW");
        put(0x4b564d02L, "MSR_KVM_ASYNC_PF_EN");
        put(0x4b564d03L, "MSR_KVM_STEAL_TIME");
        put(0x4b564d04L, "MSR_KVM_PV_EOI_EN");
        put(0x4b564d05L, "MSR_KVM_POLL_CONTROL");
        put(0x4b564d06L, "MSR_KVM_ASYNC_PF_INT");
        put(0x4b564d07L, "MSR_KVM_ASYNC_PF_ACK");
        put(0x4b564d08L, "MSR_KVM_MIGRATION_CONTROL");
        put(0xc0000080L, "MSR_EFER");
        put(0xc0000081L, "MSR_STAR");
        put(0xc0000082L, "MSR_LSTAR");
        put(0xc0000083L, "MSR_CSTAR");
        put(0xc0000084L, "MSR_SYSCALL_MASK");
        put(0xc0000100L, "MSR_FS_BASE");
        put(0xc0000101L, "MSR_GS_BASE");
        put(0xc0000102L, "MSR_KERNEL_GS_BASE");
        put(0xc0000103L, "MSR_TSC_AUX");
    }

    private Msrs() {
    }

    private static void put(long index, String name) {
        NAMES.put(index, name);
    }

    /** The name, {@code X2APIC_0xNNN} for an unnamed x2APIC register, {@code HV_0xNNN} for Hyper-V's range, else null. */
    public static String name(long index) {
        String n = NAMES.get(index);
        if (n != null) return n;
        if (index >= 0x800 && index <= 0x8ff) return String.format(Locale.ROOT, "X2APIC_0x%x", index);
        if (index >= 0x40000000L && index <= 0x400000ffL) return String.format(Locale.ROOT, "HV_0x%x", index);
        return null;
    }

    public static String hex(long index) {
        return String.format(Locale.ROOT, "0x%x", index);
    }

    /** A name as written (systemtap's {@code MSR_IA32_TSC_DEADLINE}) to an index, or null. */
    public static Long byName(String name) {
        String n = name.startsWith("MSR_IA32_") ? name.substring(4) : name;
        for (var e : NAMES.entrySet()) {
            if (e.getValue().equals(n) || e.getValue().equals(name)) return e.getKey();
        }
        return null;
    }
}
