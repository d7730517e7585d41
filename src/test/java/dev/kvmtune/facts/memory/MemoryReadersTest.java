package dev.kvmtune.facts.memory;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MemoryReadersTest {
    @Test
    void meminfoInKbAndCounts() {
        var m = MeminfoReader.parse("""
                MemTotal:       24576000 kB
                MemFree:        24000000 kB
                HugePages_Total:       4
                Hugepagesize:       2048 kB
                Broken line
                """);
        assertThat(m).containsEntry("MemTotal", 24576000L).containsEntry("HugePages_Total", 4L).containsEntry("Hugepagesize", 2048L);
        assertThat(m).hasSize(4);
    }

    @Test
    void swapsAfterTheHeader() {
        var s = SwapsReader.parse("""
                Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
                /dev/dm-1                               partition\t8388604\t\t0\t\t-2
                /swap\\040file                           file\t\t1048572\t\t512\t\t-3
                """);
        assertThat(s).hasSize(2);
        assertThat(s.get(0).filename()).isEqualTo("/dev/dm-1");
        assertThat(s.get(0).sizeKb()).isEqualTo(8388604);
        assertThat(s.get(1).usedKb()).isEqualTo(512);
        assertThat(SwapsReader.parse("Filename\tType\tSize\tUsed\tPriority\n")).isEmpty();
    }

    @Test
    void bracketedSelection() {
        assertThat(MemoryReader.selected("always [madvise] never")).isEqualTo("madvise");
        assertThat(MemoryReader.selected("[none] mq-deadline")).isEqualTo("none");
        assertThat(MemoryReader.selected("none")).isNull();
    }

    @Property
    void neverThrow(@ForAll String text) {
        MeminfoReader.parse(text);
        SwapsReader.parse(text);
        MemoryReader.selected(text);
    }
}
