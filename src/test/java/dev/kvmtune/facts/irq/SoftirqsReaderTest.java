package dev.kvmtune.facts.irq;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SoftirqsReaderTest {
    @Test
    void readsVectorsPerCpu() {
        String text = """
                                    CPU0       CPU1
                          HI:          0          1
                       TIMER:     123456      65432
                      NET_RX:         10         20
                         RCU:       5000       6000
                """;
        SoftirqsReader.Softirqs s = SoftirqsReader.parse(text);
        assertThat(s.cpus()).containsExactly(0, 1);
        assertThat(s.counts().get("TIMER")).containsExactly(123456, 65432);
        assertThat(s.counts().keySet()).containsExactly("HI", "TIMER", "NET_RX", "RCU");
    }

    @Property
    void neverThrows(@ForAll String text) {
        SoftirqsReader.parse(text);
    }
}
