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
        assertThat(info.vendor()).as("the implementer named as lscpu names it").isEqualTo("ARM");
        assertThat(info.modelName()).as("no CPU part line: no model").isNull();
        assertThat(info.has("atomics")).isTrue();
        assertThat(info.arch()).isEqualTo("aarch64");
        assertThat(info.relevant()).as("the x86 flags kvmtune checks mean nothing on arm64").isEmpty();
    }

    /** arm64 gives codes where x86 gives names: the model comes from implementer and part, as lscpu shows it. */
    @Test
    void arm64ModelFromImplementerAndPart() {
        var n1 = CpuInfoReader.parse("""
                processor\t: 0
                BogoMIPS\t: 50.00
                Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs
                CPU implementer\t: 0x41
                CPU architecture: 8
                CPU variant\t: 0x3
                CPU part\t: 0xd0c
                CPU revision\t: 1
                """);
        assertThat(n1.vendor()).isEqualTo("ARM");
        assertThat(n1.modelName()).isEqualTo("Neoverse-N1");
        var unknown = CpuInfoReader.parse("processor\t: 0\nCPU implementer\t: 0x99\nCPU part\t: 0x123\n");
        assertThat(unknown.vendor()).as("a code the table lacks stays a code").isEqualTo("0x99");
        assertThat(unknown.modelName()).isEqualTo("part 0x123 of implementer 0x99");
    }

    /** A cache whose size file is absent has no size: not 0 B. */
    @Test
    void absentCacheSizeIsUnknownNotZero() {
        CpuCache known = new CpuCache(2, "Unified", 1L << 20, 8, dev.kvmtune.util.CpuSet.of(0), "index2");
        CpuCache absent = new CpuCache(1, "Data", -1, 8, dev.kvmtune.util.CpuSet.of(0), "index0");
        CpuTopology cpu = new CpuTopology(0, true, 0, 0, 0, 0, dev.kvmtune.util.CpuSet.of(0), 0, java.util.List.of(known, absent), -1, null, "cpu0");
        var caches = CpuSummary.of(java.util.List.of(cpu), false).caches();
        assertThat(caches).extracting(CpuSummary.CacheTotal::name).containsExactly("L1d", "L2");
        assertThat(caches.get(0).totalBytes()).isNull();
        assertThat(caches.get(1).totalBytes()).isEqualTo(1L << 20);
    }
}
