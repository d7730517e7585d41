package dev.kvmtune.facts.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuInfoReaderTest {
    @Test
    void x86FirstProcessor() {
        var info = CpuInfoReader.parse("""
                processor\t: 0
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
                flags\t\t: fpu vme pse tsc msr constant_tsc nonstop_tsc vmx x2apic tsc_deadline_timer pdpe1gb

                processor\t: 1
                vendor_id\t: GenuineIntel
                flags\t\t: fpu
                """);
        assertThat(info.vendor()).isEqualTo("GenuineIntel");
        assertThat(info.modelName()).startsWith("Intel(R) Xeon(R) Gold 6230");
        assertThat(info.has("vmx")).isTrue();
        assertThat(info.relevant()).containsEntry("pdpe1gb", true).containsEntry("svm", false).containsEntry("hypervisor", false);
    }

    @Test
    void arm64Features() {
        var info = CpuInfoReader.parse("""
                processor\t: 0
                BogoMIPS\t: 50.00
                Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics
                CPU implementer\t: 0x41
                CPU architecture: 8
                """);
        assertThat(info.vendor()).isEqualTo("0x41");
        assertThat(info.modelName()).isNull();
        assertThat(info.has("atomics")).isTrue();
        assertThat(info.relevant()).containsEntry("vmx", false);
    }
}
