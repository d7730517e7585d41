package dev.kvmtune.facts.irq;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IrqbalanceReaderTest {
    @Test
    void listFormWinsOverMask() {
        String[] lines = """
                # irqbalance settings
                #IRQBALANCE_BANNED_CPULIST=0
                IRQBALANCE_BANNED_CPUS=f0
                IRQBALANCE_BANNED_CPULIST="2-3,6"
                """.split("\n");
        assertThat(IrqbalanceReader.parseBanned(lines).toList()).isEqualTo("2-3,6");
    }

    @Test
    void maskFormAndEnvironment() {
        assertThat(IrqbalanceReader.parseBanned(new String[] {"PATH=/bin", "IRQBALANCE_BANNED_CPUS=0000000c"}).toList()).isEqualTo("2-3");
        assertThat((Object) IrqbalanceReader.parseBanned(new String[] {"IRQBALANCE_ARGS=--foreground"})).isNull();
        assertThat((Object) IrqbalanceReader.parseBanned(new String[] {"IRQBALANCE_BANNED_CPULIST=zz"})).isNull();
    }
}
