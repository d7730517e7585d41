package dev.kvmtune.facts.numa;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumaReaderTest {
    @Test
    void nodeMeminfoAndDistances() {
        long[] m = NumaReader.parseMeminfo("""
                Node 1 MemTotal:       65536000 kB
                Node 1 MemFree:        60000000 kB
                Node 1 MemUsed:         5536000 kB
                """);
        assertThat(m).containsExactly(65536000, 60000000);
        assertThat(NumaReader.parseDistance("10 21 31 31\n")).containsExactly(10, 21, 31, 31);
        assertThat(NumaReader.parseDistance("10 x")).isEmpty();
    }
}
