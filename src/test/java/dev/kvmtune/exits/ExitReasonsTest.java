package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.exits.ExitReasons.Isa;
import dev.kvmtune.exits.ExitReasons.Kind;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ExitReasonsTest {
    @Test
    void vmxNamesAndCodesBothWays() {
        assertThat(ExitReasons.vmx(49).name()).isEqualTo("EPT_MISCONFIG");
        assertThat(ExitReasons.vmx(49).kind()).isEqualTo(Kind.MMIO);
        assertThat(ExitReasons.byName("IO_INSTRUCTION", null).code()).isEqualTo(30L);
        // systemtap's prefix and the name before Linux 5.7
        assertThat(ExitReasons.byName("EXIT_REASON_PENDING_INTERRUPT", null)).isEqualTo(ExitReasons.vmx(7));
        assertThat(ExitReasons.vmx(7).name()).isEqualTo("INTERRUPT_WINDOW");
        // the failed-entry flag bit and basic reason
        assertThat(ExitReasons.vmx(0x80000021L).name()).isEqualTo("INVALID_STATE");
        assertThat(ExitReasons.byName("INVALID_STATE FAILED_VMENTRY", null).code()).isEqualTo(33L);
        assertThat(ExitReasons.vmx(85).name()).isEqualTo("MSR_WRITE_IMM");
        assertThat(ExitReasons.vmx(85).kind()).isEqualTo(Kind.MSR);
        assertThat(ExitReasons.vmx(999).name()).isEqualTo("VMX_999");
    }

    @Test
    void svmTracepointAndKvmStatSpellingsMeetOnOneReason() {
        assertThat(ExitReasons.svm(0x7b).name()).isEqualTo("io");
        assertThat(ExitReasons.byName("IOIO", null)).isEqualTo(ExitReasons.svm(0x7b));
        assertThat(ExitReasons.byName("NPF", null).kind()).isEqualTo(Kind.MMIO);
        assertThat(ExitReasons.byName("DE excp", null).code()).isEqualTo(0x40L);
        assertThat(ExitReasons.svm(0xffffffffL).name()).isEqualTo("invalid_guest_state");
        // HLT is spelled the same in VMX and kvm_stat's SVM table: the hint decides
        assertThat(ExitReasons.byName("HLT", null).isa()).isEqualTo(Isa.VMX);
        assertThat(ExitReasons.byName("HLT", Isa.SVM)).isEqualTo(ExitReasons.svm(0x78));
        assertThat(ExitReasons.svmOnly("IOIO")).isTrue();
        assertThat(ExitReasons.svmOnly("HLT")).isFalse();
        assertThat(ExitReasons.byName("DABT_LOW", null).code()).isNull();
    }

    /** Every symbol of this kernel's kvm_exit print format is in the tables with the same code. */
    @Test
    void tablesCoverTheRunningKernelsKvmExitFormat() throws IOException {
        Path format = Path.of("/sys/kernel/tracing/events/kvm/kvm_exit/format");
        Requires.machine(Files.isReadable(format), "no kvm_exit tracepoint on this kernel (tracefs or the kvm module absent)");
        String text = Files.readString(format);
        int svmStart = text.indexOf(": __print_symbolic(REC->exit_reason,");
        Requires.machine(svmStart > 0, "this kernel's kvm_exit format has no VMX/SVM split");
        int flags = text.indexOf("__print_flags");
        if (flags > 0) text = text.substring(0, flags);
        Matcher m = Pattern.compile("\\{ (0x[0-9a-f]+(?: \\+ \\d+)?|-?\\d+), \"([^\"]+)\" \\}").matcher(text);
        int vmx = 0;
        int svm = 0;
        while (m.find()) {
            String c = m.group(1);
            long code;
            if (c.contains("+")) {
                String[] p = c.split(" \\+ ");
                code = Long.decode(p[0]) + Long.parseLong(p[1]);
            } else code = Long.decode(c) & 0xffffffffL;
            if (m.start() < svmStart) {
                assertThat(ExitReasons.vmx(code).name()).as("VMX %d", code).isEqualTo(m.group(2));
                vmx++;
            } else {
                assertThat(ExitReasons.svm(code).name()).as("SVM 0x%x", code).isEqualTo(m.group(2));
                svm++;
            }
        }
        assertThat(vmx).isGreaterThan(60);
        assertThat(svm).isGreaterThan(90);
    }

    @Test
    void msrNames() {
        assertThat(Msrs.name(0x80b)).isEqualTo("X2APIC_EOI");
        assertThat(Msrs.name(0x830)).isEqualTo("X2APIC_ICR");
        assertThat(Msrs.name(0x6e0)).isEqualTo("IA32_TSC_DEADLINE");
        assertThat(Msrs.name(0x8fe)).isEqualTo("X2APIC_0x8fe");
        assertThat(Msrs.name(0x4b564d04L)).isEqualTo("MSR_KVM_PV_EOI_EN");
        assertThat(Msrs.name(0x40000070L)).isEqualTo("HV_0x40000070");
        assertThat(Msrs.name(0x12345)).isNull();
        assertThat(Msrs.byName("MSR_IA32_TSC_DEADLINE")).isEqualTo(0x6e0L);
    }
}
