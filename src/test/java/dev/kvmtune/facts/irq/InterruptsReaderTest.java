package dev.kvmtune.facts.irq;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class InterruptsReaderTest {

    // x86 layout: IO-APIC "2-edge", PCI-MSI with a hardware IRQ number, system rows, ERR/MIS single values
    static final String X86 = """
                       CPU0       CPU1       CPU2       CPU3
              0:         22          0          0          0   IO-APIC   2-edge      timer
              9:          0          4          0          0   IO-APIC   9-fasteoi   acpi
             24:       1500          0          0          0  PCI-MSI 65536-edge      nvme0q0
             25:          0       9000        100          0  IR-PCI-MSI 512000-edge      eth0-rx-0, eth0-tx-0
            NMI:          3          2          1          0   Non-maskable interrupts
            LOC:    1234567     234567     34567       4567   Local timer interrupts
            RES:        100        200        300        400   Rescheduling interrupts
            CAL:         10         20         30         40   Function call interrupts
            TLB:          1          2          3          4   TLB shootdowns
            ERR:          0
            MIS:          0
            """;

    // arm64 layout: GICv3 hwirq and trigger as separate words, IPIn rows, "Err"
    static final String ARM64 = """
                       CPU0       CPU1
             11:      19486      17890     GICv3  30 Level     arch_timer
             47:        120          0     GICv3  79 Edge      virtio0
             64:          0          5     ITS-MSI 524288 Edge      eth0
           IPI0:       1200       1300       Rescheduling interrupts
           IPI1:         50         60       Function call interrupts
            Err:          0
            """;

    /** A file past PARALLEL_BYTES is read on several threads: the table is the one the single-threaded read gives. */
    @Test
    void aLargeFileReadsAsTheSameTable() throws Exception {
        String live = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/interrupts"));
        // this host's own file, then enough blank lines and a row that cannot be read to cross the threshold
        String padded = live + " \n".repeat(InterruptsReader.PARALLEL_BYTES / 2 + 1) + "garbage\n" + live.lines().skip(1).findFirst().orElse("") + "\n";
        InterruptsReader.Table small = InterruptsReader.parse(live, "x");
        InterruptsReader.Table large = InterruptsReader.parse(padded, "x");
        assertThat(padded.length()).isGreaterThan(InterruptsReader.PARALLEL_BYTES);
        assertThat(large.cpus()).isEqualTo(small.cpus());
        assertThat(large.rows().size()).isEqualTo(small.rows().size() + 1);
        for (int i = 0; i < small.rows().size(); i++) {
            assertThat(large.rows().get(i)).usingRecursiveComparison().isEqualTo(small.rows().get(i));
        }
        int garbageLine = (int) live.lines().count() + InterruptsReader.PARALLEL_BYTES / 2 + 2;
        assertThat(large.malformed()).isEqualTo(small.malformed() + 1);
        assertThat(large.firstMalformed()).isEqualTo(small.malformed() > 0 ? small.firstMalformed() : "x:" + garbageLine);
        assertThat(large.rows().get(large.rows().size() - 1).line()).isEqualTo(garbageLine + 1);
    }

    @Test
    void readsX86Rows() {
        InterruptsReader.Table t = InterruptsReader.parse(X86, "proc/interrupts");
        assertThat(t.cpus()).containsExactly(0, 1, 2, 3);
        InterruptsReader.Row timer = t.row("0");
        assertThat(timer.chip()).isEqualTo("IO-APIC");
        assertThat(timer.hwirq()).isEqualTo("2");
        assertThat(timer.trigger()).isEqualTo("edge");
        assertThat(timer.actions()).containsExactly("timer");
        InterruptsReader.Row eth = t.row("25");
        assertThat(eth.chip()).isEqualTo("IR-PCI-MSI");
        assertThat(eth.actions()).containsExactly("eth0-rx-0", "eth0-tx-0");
        assertThat(eth.total()).isEqualTo(9100);
        assertThat(t.row("LOC").counts()).containsExactly(1234567, 234567, 34567, 4567);
        assertThat(t.row("LOC").description()).isEqualTo("Local timer interrupts");
        assertThat(t.row("LOC").numbered()).isFalse();
        assertThat(t.row("ERR").counts()).containsExactly(0);
        assertThat(t.malformed()).isZero();
    }

    @Test
    void readsArm64Rows() {
        InterruptsReader.Table t = InterruptsReader.parse(ARM64, "proc/interrupts");
        assertThat(t.cpus()).containsExactly(0, 1);
        InterruptsReader.Row timer = t.row("11");
        assertThat(timer.chip()).isEqualTo("GICv3");
        assertThat(timer.hwirq()).isEqualTo("30");
        assertThat(timer.trigger()).isEqualTo("Level");
        assertThat(timer.actions()).containsExactly("arch_timer");
        assertThat(t.row("64").hwirq()).isEqualTo("524288");
        assertThat(t.row("IPI0").counts()).containsExactly(1200, 1300);
        assertThat(t.row("Err").counts()).containsExactly(0);
    }

    @Test
    void offlineCpusHaveNoColumn() {
        String text = """
                           CPU0       CPU2
                  0:          5          7   IO-APIC   2-edge      timer
                LOC:        100        300   Local timer interrupts
                """;
        InterruptsReader.Table t = InterruptsReader.parse(text, "proc/interrupts");
        assertThat(t.cpus()).containsExactly(0, 2);
        assertThat(t.column(2)).isEqualTo(1);
        assertThat(t.column(1)).isEqualTo(-1);
        assertThat(t.row("LOC").counts()[t.column(2)]).isEqualTo(300);
    }

    @Test
    void countsMalformedLinesWithTheFirstPlace() {
        String text = """
                           CPU0       CPU1
                  0:          5          7   IO-APIC   2-edge      timer
                garbage without colon
                  x y:  1 2
                LOC:        100        300   Local timer interrupts
                """;
        InterruptsReader.Table t = InterruptsReader.parse(text, "proc/interrupts");
        assertThat(t.rows()).hasSize(2);
        assertThat(t.malformed()).isEqualTo(2);
        assertThat(t.firstMalformed()).isEqualTo("proc/interrupts:3");
    }

    @Test
    void truncatedRowKeepsWhatWasPrinted() {
        String text = """
                           CPU0       CPU1       CPU2
                LOC:        100        300
                """;
        assertThat(InterruptsReader.parse(text, "p").row("LOC").counts()).containsExactly(100, 300);
    }

    @Property
    void neverThrowsOnArbitraryText(@ForAll String text) {
        InterruptsReader.parse(text, "fuzz");
        InterruptsReader.parse("  CPU0 CPU1\n" + text, "fuzz");
    }
}
