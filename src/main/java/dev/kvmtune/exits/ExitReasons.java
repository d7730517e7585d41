package dev.kvmtune.exits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Exit reasons by name and code. VMX names are the kernel tracepoint's (kvm_exit's
 * {@code __print_symbolic} table, upper case: {@code EPT_MISCONFIG}); SVM names are its lower-case
 * table ({@code npf}, {@code io}, {@code DE excp}). kvm_stat's SVM spellings ({@code IOIO},
 * {@code NPF}) and older names (systemtap's {@code EXIT_REASON_} prefix, {@code PENDING_INTERRUPT}
 * before Linux 5.7) resolve to the same reasons. Tables: resources/dev/kvmtune/exits/*.csv, from
 * the kernel's arch/x86/include/uapi/asm/{vmx,svm}.h and tools/kvm/kvm_stat.
 */
public final class ExitReasons {
    /** VMX (Intel), SVM (AMD); ARM64 and RISCV64 name their exits in the trace text itself. */
    public enum Isa { VMX, SVM, ARM64, RISCV64 }

    /** What an exit means for tuning; the diagnosis works on kinds, not on one ISA's names. */
    public enum Kind { HLT, PAUSE, MSR, IO, MMIO, EXTERNAL_INTERRUPT, INTERRUPT_WINDOW, PAGE_FAULT, APIC, EOI, TIMER, CPUID, OTHER }

    /** A resolved reason; {@code code} is null for a name no table knows (kept as written). */
    public record Reason(Isa isa, Long code, String name, Kind kind) {
    }

    private static final Map<Long, String> VMX = load("vmx-tracepoint.csv");
    private static final Map<Long, String> SVM = load("svm-tracepoint.csv");
    private static final Map<Long, String> SVM_KVM_STAT = load("svm-kvm-stat.csv");
    private static final Map<String, Reason> VMX_BY_NAME = new HashMap<>();
    private static final Map<String, Reason> SVM_BY_NAME = new HashMap<>();

    static {
        VMX.forEach((code, name) -> VMX_BY_NAME.put(name, new Reason(Isa.VMX, code, name, vmxKind(name))));
        VMX_BY_NAME.put("PENDING_INTERRUPT", VMX_BY_NAME.get("INTERRUPT_WINDOW"));
        SVM.forEach((code, name) -> SVM_BY_NAME.put(name, new Reason(Isa.SVM, code, name, svmKind(name))));
        SVM_KVM_STAT.forEach((code, name) -> {
            String tp = SVM.get(code);
            if (tp != null) SVM_BY_NAME.putIfAbsent(name, SVM_BY_NAME.get(tp));
        });
    }

    private ExitReasons() {
    }

    /** The VMX reason for a basic exit reason number (exit_reason & 0xffff). */
    public static Reason vmx(long code) {
        String n = VMX.get(code & 0xffff);
        return n != null ? VMX_BY_NAME.get(n) : new Reason(Isa.VMX, code & 0xffff, "VMX_" + (code & 0xffff), Kind.OTHER);
    }

    /** The SVM reason for an exit code. */
    public static Reason svm(long code) {
        String n = SVM.get(code);
        return n != null ? SVM_BY_NAME.get(n) : new Reason(Isa.SVM, code, String.format(Locale.ROOT, "svm_0x%x", code), Kind.OTHER);
    }

    public static Reason byCode(Isa isa, long code) {
        return isa == Isa.SVM ? svm(code) : vmx(code);
    }

    /**
     * A reason by any spelling. Names both tables share in upper case (HLT, CPUID, RDTSC ...) are
     * taken as {@code hint}'s, VMX when there is no hint. Unknown names come back with a null code.
     */
    public static Reason byName(String written, Isa hint) {
        String n = written.strip();
        if (n.startsWith("EXIT_REASON_")) n = n.substring("EXIT_REASON_".length());
        int flag = n.indexOf(" FAILED_VMENTRY");
        if (flag > 0) n = n.substring(0, flag);
        Reason svm = SVM_BY_NAME.get(n);
        Reason vmx = VMX_BY_NAME.get(n);
        if (svm != null && vmx != null) return hint == Isa.SVM ? svm : vmx;
        if (vmx != null) return vmx;
        if (svm != null) return svm;
        if (n.startsWith("SVM_EXIT_")) {
            Reason s = SVM_BY_NAME.get(n.substring("SVM_EXIT_".length()));
            if (s != null) return s;
        }
        Kind arm = ARM64_KINDS.get(n);
        if (arm != null && hint != Isa.RISCV64) return new Reason(Isa.ARM64, null, n, arm);
        Kind rv = RISCV64_KINDS.get(n);
        if (rv != null) return new Reason(Isa.RISCV64, null, n, rv);
        return new Reason(hint, null, n, Kind.OTHER);
    }

    /** True when the name exists only in the SVM tables (so a file using it is from an AMD host). */
    public static boolean svmOnly(String name) {
        return SVM_BY_NAME.containsKey(name) && !VMX_BY_NAME.containsKey(name);
    }

    /**
     * arm64's kvm_exit names: the exception type (IRQ, SERROR, ILLEGAL, HYP_GONE) or, for a trap,
     * the exception class of ESR_EL2 as the kernel's kvm_arm_exception_class prints it (Arm ARM,
     * ESR_ELx.EC). A system register access (MSR/MRS, SYS64) is arm64's counterpart of an x86 MSR exit;
     * a data abort from the guest (DABT_LOW) is a stage-2 fault, emulated MMIO among them.
     */
    static final Map<String, Kind> ARM64_KINDS = Map.ofEntries(
            Map.entry("WFx", Kind.HLT), Map.entry("DABT_LOW", Kind.MMIO), Map.entry("IABT_LOW", Kind.PAGE_FAULT),
            Map.entry("IRQ", Kind.EXTERNAL_INTERRUPT), Map.entry("SYS64", Kind.MSR), Map.entry("HVC64", Kind.OTHER),
            Map.entry("SMC64", Kind.OTHER), Map.entry("SERROR", Kind.OTHER), Map.entry("ILLEGAL", Kind.OTHER),
            Map.entry("HYP_GONE", Kind.OTHER), Map.entry("UNKNOWN", Kind.OTHER), Map.entry("CP15_32", Kind.MSR),
            Map.entry("CP15_64", Kind.MSR), Map.entry("CP14_MR", Kind.MSR), Map.entry("CP14_LS", Kind.MSR),
            Map.entry("CP14_64", Kind.MSR), Map.entry("FP_ASIMD", Kind.OTHER), Map.entry("SVE", Kind.OTHER),
            Map.entry("PAC", Kind.OTHER), Map.entry("BRK64", Kind.OTHER), Map.entry("SOFTSTP_LOW", Kind.OTHER),
            Map.entry("BREAKPT_LOW", Kind.OTHER), Map.entry("WATCHPT_LOW", Kind.OTHER), Map.entry("HVC32", Kind.OTHER),
            Map.entry("SMC32", Kind.OTHER), Map.entry("SYS128", Kind.MSR));

    /**
     * riscv64's kvm_exit names (arch/riscv/kvm/trace.h: the scause of the trap, IRQ_ and EXC_ names
     * without their prefix). An external interrupt is the counterpart of x86's EXTERNAL_INTERRUPT, a
     * guest load/store page fault of an emulated-MMIO or stage-2 exit, an SBI call (the guest's ecall
     * from S-mode) of a hypercall.
     */
    static final Map<String, Kind> RISCV64_KINDS = Map.ofEntries(
            Map.entry("S_EXT", Kind.EXTERNAL_INTERRUPT), Map.entry("S_GEXT", Kind.EXTERNAL_INTERRUPT), Map.entry("S_TIMER", Kind.TIMER),
            Map.entry("S_SOFT", Kind.OTHER), Map.entry("PMU_OVF", Kind.OTHER), Map.entry("LOAD_GUEST_PAGE_FAULT", Kind.MMIO),
            Map.entry("STORE_GUEST_PAGE_FAULT", Kind.MMIO), Map.entry("INST_GUEST_PAGE_FAULT", Kind.PAGE_FAULT),
            Map.entry("VIRTUAL_INST_FAULT", Kind.OTHER), Map.entry("SUPERVISOR_SYSCALL", Kind.OTHER),
            Map.entry("INST_ILLEGAL", Kind.OTHER), Map.entry("INST_ACCESS", Kind.OTHER), Map.entry("LOAD_ACCESS", Kind.OTHER),
            Map.entry("STORE_ACCESS", Kind.OTHER), Map.entry("LOAD_MISALIGNED", Kind.OTHER), Map.entry("STORE_MISALIGNED", Kind.OTHER),
            Map.entry("BREAKPOINT", Kind.OTHER));

    /** RISC-V scause codes (privileged spec): interrupts (top bit set) and exceptions, by the names the kernel prints. */
    static final Map<Long, String> RISCV64_IRQS = Map.of(1L, "S_SOFT", 5L, "S_TIMER", 9L, "S_EXT", 12L, "S_GEXT", 13L, "PMU_OVF");
    static final Map<Long, String> RISCV64_EXCEPTIONS = Map.ofEntries(
            Map.entry(0L, "INST_MISALIGNED"), Map.entry(1L, "INST_ACCESS"), Map.entry(2L, "INST_ILLEGAL"), Map.entry(3L, "BREAKPOINT"),
            Map.entry(4L, "LOAD_MISALIGNED"), Map.entry(5L, "LOAD_ACCESS"), Map.entry(6L, "STORE_MISALIGNED"), Map.entry(7L, "STORE_ACCESS"),
            Map.entry(8L, "USER_ECALL"), Map.entry(9L, "SUPERVISOR_SYSCALL"), Map.entry(10L, "VIRTUAL_SUPERVISOR_SYSCALL"),
            Map.entry(12L, "INST_PAGE_FAULT"), Map.entry(13L, "LOAD_PAGE_FAULT"), Map.entry(15L, "STORE_PAGE_FAULT"),
            Map.entry(20L, "INST_GUEST_PAGE_FAULT"), Map.entry(21L, "LOAD_GUEST_PAGE_FAULT"), Map.entry(22L, "VIRTUAL_INST_FAULT"),
            Map.entry(23L, "STORE_GUEST_PAGE_FAULT"));

    /** The name of a riscv64 scause the trace printed as a number (the kernel's symbol table lacks it, or the IRQ bit is set). */
    public static String riscvCause(long scause) {
        boolean irq = scause < 0;
        long code = scause & Long.MAX_VALUE;
        String n = (irq ? RISCV64_IRQS : RISCV64_EXCEPTIONS).get(code);
        return n != null ? n : (irq ? "IRQ_" : "EXC_") + code;
    }

    private static Kind vmxKind(String n) {
        return switch (n) {
            case "HLT" -> Kind.HLT;
            case "PAUSE_INSTRUCTION" -> Kind.PAUSE;
            case "MSR_READ", "MSR_WRITE", "MSR_READ_IMM", "MSR_WRITE_IMM" -> Kind.MSR;
            case "IO_INSTRUCTION" -> Kind.IO;
            case "EPT_MISCONFIG" -> Kind.MMIO;
            case "EXTERNAL_INTERRUPT" -> Kind.EXTERNAL_INTERRUPT;
            case "INTERRUPT_WINDOW", "NMI_WINDOW" -> Kind.INTERRUPT_WINDOW;
            case "EPT_VIOLATION", "EXCEPTION_NMI" -> Kind.PAGE_FAULT;
            case "APIC_ACCESS", "APIC_WRITE", "TPR_BELOW_THRESHOLD" -> Kind.APIC;
            case "EOI_INDUCED" -> Kind.EOI;
            case "PREEMPTION_TIMER" -> Kind.TIMER;
            case "CPUID" -> Kind.CPUID;
            default -> Kind.OTHER;
        };
    }

    private static Kind svmKind(String n) {
        return switch (n) {
            case "hlt", "idle-halt" -> Kind.HLT;
            case "pause" -> Kind.PAUSE;
            case "msr" -> Kind.MSR;
            case "io" -> Kind.IO;
            case "npf" -> Kind.MMIO;
            case "interrupt" -> Kind.EXTERNAL_INTERRUPT;
            case "vintr" -> Kind.INTERRUPT_WINDOW;
            case "PF excp" -> Kind.PAGE_FAULT;
            case "avic_incomplete_ipi", "avic_unaccelerated_access", "read_cr8", "write_cr8", "write_cr8_trap" -> Kind.APIC;
            case "cpuid" -> Kind.CPUID;
            default -> Kind.OTHER;
        };
    }

    private static Map<Long, String> load(String resource) {
        Map<Long, String> out = new LinkedHashMap<>();
        try (var in = ExitReasons.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = r.readLine();
            boolean nameFirst = header.startsWith("name,");
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split(",", -1);
                String name = nameFirst ? f[0] : f[1];
                String code = nameFirst ? f[1] : f[0];
                long c = code.startsWith("0x") ? Long.parseLong(code.substring(2), 16) : Long.parseLong(code);
                if (c < 0) c &= 0xffffffffL;
                out.put(c, name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
