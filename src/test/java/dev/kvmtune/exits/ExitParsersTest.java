package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.BadInputException;
import dev.kvmtune.exits.ExitProfile.ReasonRow;
import dev.kvmtune.exits.ExitReasons.Isa;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One sample per input format, written to the letter of its spec: the kernel's TP_printk strings
 * for kvm_exit / kvm_entry / kvm_msr in each generation, perf's builtin-kvm.c report rows (20 and
 * 40 wide), the hist file layout of Documentation/trace/histogram.rst, kvm_stat's log and CSV
 * writers, and seed 001's systemtap lines.
 */
class ExitParsersTest {
    static ExitProfile parse(String text, Isa isa, Warnings w) throws IOException {
        return ExitInputs.read(new BufferedInputStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 1 << 16), "sample.txt", isa, w);
    }

    static ExitProfile parse(String text) throws IOException {
        return parse(text, null, new Warnings());
    }

    static Map<String, ReasonRow> byName(ExitProfile p) {
        return p.reasons().stream().collect(Collectors.toMap(ReasonRow::reason, Function.identity()));
    }

    @Test
    void perfKvmStatOldWidth() throws IOException {
        ExitProfile p = parse("""


                Analyze events for all VMs, all VCPUs:

                             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time\s

                           MSR_WRITE       9167    35.40%     0.04%      0.45us   9554.94us      3.00us ( +-  41.94% )
                  EXTERNAL_INTERRUPT       5877    22.69%     0.02%      0.37us   1175.48us      2.43us ( +-  17.90% )
                                 HLT       2232     8.62%    99.92%      0.56us 1001118.99us  30567.94us ( +-   9.88% )
                   PENDING_INTERRUPT        413     0.58%     0.05%      1.32us      2.96us      2.25us ( +-   0.50% )

                Total Samples:17689, Total events handled time:68281638.61us.

                """);
        assertThat(p.format()).isEqualTo("perf-kvm-stat");
        assertThat(p.events()).isEqualTo(17689);
        Map<String, ReasonRow> r = byName(p);
        assertThat(r.get("MSR_WRITE").count()).isEqualTo(9167);
        assertThat(r.get("HLT").maxUs()).isEqualTo(1001118.99);
        assertThat(r.get("HLT").avgUs()).isEqualTo(30567.94);
        assertThat(r.get("INTERRUPT_WINDOW").code()).isEqualTo(7L);
        assertThat(p.seconds()).isNull();
        assertThat(p.unknownLines()).isZero();
    }

    @Test
    void perfKvmStatNewWidthPerVcpuAndSvmNamesWithSpaces() throws IOException {
        ExitProfile p = parse("""
                Analyze events for pid(s) 4242, VCPU 1:

                                                 VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time

                                                     npf        300    60.00%    10.00%      1.00us     10.00us      2.00us ( +-   1.00% )
                                                 DE excp        200    40.00%    90.00%      3.00us     30.00us      9.00us ( +-   2.00% )

                Total Samples:500, Total events handled time:2400.00us.
                """);
        assertThat(p.isa()).isEqualTo("SVM");
        Map<String, ReasonRow> r = byName(p);
        assertThat(r.get("npf").perVcpu()).containsEntry("vcpu 1", 300L);
        assertThat(r.get("DE excp").code()).isEqualTo(0x40L);
        assertThat(r.get("DE excp").minUs()).isEqualTo(3.0);
    }

    @Test
    void perfScriptEveryKvmExitGeneration() throws IOException {
        ExitProfile p = parse("""
                # ========
                # captured on    : Sat Nov 21 10:00:00 2026
                qemu-system-x86  4242 [002]  100.000000: kvm:kvm_exit: reason EPT_MISCONFIG rip 0xffffffff8104d8f6 info 0 0
                qemu-system-x86  4242 [002]  100.000010: kvm:kvm_entry: vcpu 0
                       CPU 0/KVM  4243 [001]  100.100000: kvm:kvm_exit: reason IO_INSTRUCTION rip 0xffffffff81001234 info1 0x0000000000000070 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000
                       CPU 0/KVM  4243 [001]  100.100004: kvm:kvm_entry: vcpu 0, rip 0xffffffff81001236
                       CPU 1/KVM 4240/4244 [003]  100.200000: kvm:kvm_exit: vcpu 1 reason MSR_WRITE rip 0xffffffff8105a1b8 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000
                       CPU 1/KVM 4240/4244 [003]  100.200001: kvm:kvm_msr: msr_write 80b = 0x0
                       CPU 1/KVM 4240/4244 [003]  100.200002: kvm:kvm_entry: vcpu 1, rip 0xffffffff8105a1ba intr_info 0x00000000 error_code 0x00000000
                       CPU 1/KVM 4240/4244 [003]  101.000000: kvm:kvm_exit: vcpu 1 reason HLT rip 0xffffffff81b9a2c1 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000 requests 0x0000000000000000
                       CPU 1/KVM 4240/4244 [003]  101.000500: kvm:kvm_entry: vcpu 1, rip 0xffffffff81b9a2c2 intr_info 0x00000000 error_code 0x00000000[immediate exit]
                       CPU 1/KVM 4240/4244 [003]  101.000600: kvm:kvm_exit: vcpu 1 reason INVALID_STATE FAILED_VMENTRY rip 0x0 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000 requests 0x0000000000000000
                       CPU 1/KVM 4240/4244 [003]  101.000700: kvm:kvm_pio: pio_write at 0x70 size 1 count 1 val 0x8f
                """);
        assertThat(p.format()).isEqualTo("perf-script");
        assertThat(p.events()).isEqualTo(5);
        assertThat(p.seconds()).isEqualTo(1.0006);
        Map<String, ReasonRow> r = byName(p);
        assertThat(r.get("EPT_MISCONFIG").perVcpu()).containsOnlyKeys("tid 4242 (qemu-system-x86)");
        assertThat(r.get("EPT_MISCONFIG").avgUs()).isEqualTo(10.0);
        assertThat(r.get("IO_INSTRUCTION").perVcpu()).containsOnlyKeys("vcpu 0 (tid 4243)");
        assertThat(r.get("IO_INSTRUCTION").avgUs()).isEqualTo(4.0);
        assertThat(r.get("HLT").perVcpu()).containsEntry("vcpu 1 (tid 4244)", 1L);
        assertThat(r.get("HLT").maxUs()).isEqualTo(500.0);
        assertThat(r.get("INVALID_STATE").timedCount()).isNull();
        assertThat(p.msrs()).singleElement().satisfies(m -> {
            assertThat(m.msr()).isEqualTo("0x80b");
            assertThat(m.name()).isEqualTo("X2APIC_EOI");
            assertThat(m.writes()).isEqualTo(1);
        });
        assertThat(p.notes()).contains("1 other trace events ignored");
        assertThat(p.unknownLines()).isZero();
    }

    @Test
    void traceCmdAndFtraceLinesAndSvmNames() throws IOException {
        ExitProfile tc = parse("""
                cpus=2
                       CPU 0/KVM-4243  [001]  5000.000100: kvm_exit:             vcpu 0 reason npf rip 0xffffffff81001234 info1 0x0000000100000004 info2 0x00000000fee000b0 intr_info 0x00000000 error_code 0x00000000
                       CPU 0/KVM-4243  [001]  5000.000103: kvm_entry:            vcpu 0, rip 0xffffffff81001236
                       CPU 0/KVM-4243  [001]  5000.000200: kvm_exit:             vcpu 0 reason msr rip 0xffffffff8105a1b8 info1 0x0000000000000001 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000
                       CPU 0/KVM-4243  [001]  5000.000201: kvm_msr:              msr_write 830 = 0x4000000fd
                """);
        assertThat(tc.format()).isEqualTo("trace-cmd");
        assertThat(tc.isa()).isEqualTo("SVM");
        assertThat(byName(tc).get("npf").avgUs()).isEqualTo(3.0);
        assertThat(tc.msrs().get(0).name()).isEqualTo("X2APIC_ICR");

        ExitProfile ft = parse("""
                # tracer: nop
                #
                # entries-in-buffer/entries-written: 4/4   #P:2
                #
                #                                _-----=> irqs-off/BH-disabled
                #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
                #              | |         |   |||||     |         |
                       CPU 1/KVM-4244    [001] d..1.  9780.888518: kvm_exit: vcpu 1 reason EXTERNAL_INTERRUPT rip 0xffffffff81b9a2c1 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x800000ec error_code 0x00000000 requests 0x0000000000000000
                       CPU 1/KVM-4244    [001] d..1.  9780.888521: kvm_entry: vcpu 1, rip 0xffffffff81b9a2c1 intr_info 0x00000000 error_code 0x00000000
                       CPU 1/KVM-4244    [001] d..1.  9780.988518: kvm_exit: vcpu 1 reason MSR_READ rip 0xffffffff81060000 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000 requests 0x0000000000000000
                       CPU 1/KVM-4244    [001] d..1.  9780.988519: kvm_msr: msr_read 6e0 = 0x0
                """);
        assertThat(ft.format()).isEqualTo("ftrace");
        assertThat(byName(ft).get("EXTERNAL_INTERRUPT").perVcpu()).containsOnlyKeys("vcpu 1 (tid 4244)");
        assertThat(byName(ft).get("EXTERNAL_INTERRUPT").minUs()).isEqualTo(3.0);
        assertThat(ft.msrs().get(0).reads()).isEqualTo(1);
        assertThat(ft.seconds()).isEqualTo(0.100001);
    }

    @Test
    void unknownLinesAreCountedAndWarnedOnceWithFileAndLine() throws IOException {
        Warnings w = new Warnings();
        ExitProfile p = parse("""
                qemu-system-x86  4242 [002]  100.000000: kvm:kvm_exit: reason HLT rip 0x1 info 0 0
                garbage line one
                qemu-system-x86  4242 [002]  100.000001: kvm:kvm_exit: no reason here
                garbage line two
                """, null, w);
        assertThat(p.unknownLines()).isEqualTo(3);
        assertThat(w.messages()).containsExactly("sample.txt:2: not a kvm_exit/kvm_entry/kvm_msr line: garbage line one");
    }

    @Test
    void systemtapSeedFiles() throws IOException {
        ExitProfile p = parse("""
                -------------------------------------------------------------
                [ EXIT_REASON_EXTERNAL_INTERRUPT] [01] count = 2198
                [ EXIT_REASON_PENDING_INTERRUPT] [07] count = 339
                [ EXIT_REASON_EPT_MISCONFIG] [49] count = 61918
                -------------------------------------------------------------
                [ EXIT_REASON_EPT_MISCONFIG] [49] count = 2
                [ MSR_IA32_TSC_DEADLINE] [0x6e0] count = 346
                [ ] [0x830] count = 23313
                """);
        assertThat(p.format()).isEqualTo("systemtap");
        assertThat(byName(p).get("EPT_MISCONFIG").count()).isEqualTo(61920);
        assertThat(byName(p).get("INTERRUPT_WINDOW").count()).isEqualTo(339);
        assertThat(p.msrs()).extracting(ExitProfile.MsrRow::msr).containsExactly("0x830", "0x6e0");
        assertThat(p.msrs().get(0).unspecified()).isEqualTo(23313);
        assertThat(p.notes()).contains("2 systemtap blocks added together");
    }

    @Test
    void histTriggerWithPidsExecnamesAndHex() throws IOException {
        ExitProfile p = parse("""
                # event histogram
                #
                # trigger info: hist:keys=exit_reason,common_pid.execname:vals=hitcount:sort=hitcount:size=2048 [active]
                #

                { exit_reason:         49, common_pid: CPU 0/KVM       [      4243] } hitcount:        157
                { exit_reason:         12, common_pid: CPU 0/KVM       [      4243] } hitcount:         40
                { exit_reason:         12, common_pid: CPU 1/KVM       [      4244] } hitcount:         30

                Totals:
                    Hits: 227
                    Entries: 3
                    Dropped: 0
                """);
        assertThat(p.format()).isEqualTo("hist-trigger");
        assertThat(p.events()).isEqualTo(227);
        assertThat(byName(p).get("HLT").perVcpu()).containsEntry("tid 4243 (CPU 0/KVM)", 40L).containsEntry("tid 4244 (CPU 1/KVM)", 30L);
        assertThat(p.notes()).anyMatch(n -> n.contains("read as VMX"));

        ExitProfile svm = parse("""
                { exit_reason: 0x7b, vcpu_id:          0 } hitcount:          5
                { exit_reason: 0x78, vcpu_id:          1 } hitcount:          7
                """, Isa.SVM, new Warnings());
        assertThat(byName(svm).get("io").perVcpu()).containsEntry("vcpu 0", 5L);
        assertThat(byName(svm).get("hlt").count()).isEqualTo(7);
    }

    @Test
    void kvmStatLogOldAndNewAndCsv() throws IOException {
        ExitProfile old = parse("""
                kvm_entry kvm_exit kvm_exit(EPT_MISCONFIG) kvm_exit(HLT)\s
                      100       100        60        40\s
                      200       200       150        50\s
                """);
        assertThat(old.format()).isEqualTo("kvm_stat-log");
        assertThat(old.events()).isEqualTo(300);
        assertThat(old.counters()).extracting(ExitProfile.CounterRow::name).containsExactly("kvm_entry");
        assertThat(old.seconds()).isNull();

        ExitProfile now = parse("""
                exits halt_exits io_exits mmio_exits kvm_exit(IOIO) kvm_exit(NPF)\s
                2026-11-21 10:00:01      1000       400       100        50        90        60
                2026-11-21 10:00:02      1100       420       110        55        95        65
                2026-11-21 10:00:03      1200       440       120        60       100        70
                """);
        assertThat(now.isa()).isEqualTo("SVM");
        assertThat(now.seconds()).isEqualTo(3.0);
        assertThat(byName(now).get("io").count()).isEqualTo(285);
        assertThat(now.counters()).filteredOn(c -> c.name().equals("halt_exits")).singleElement()
                .satisfies(c -> assertThat(c.delta()).isEqualTo(1260));

        ExitProfile csv = parse("""
                timestamp,kvm_exit,kvm_exit(HLT),kvm_exit(MSR_WRITE)
                2026-11-21 10:00:00,30,10,20
                2026-11-21 10:00:03,60,20,40
                """);
        assertThat(csv.format()).isEqualTo("kvm_stat-csv");
        assertThat(csv.seconds()).isEqualTo(6.0);
        assertThat(byName(csv).get("MSR_WRITE").count()).isEqualTo(60);
        assertThat(csv.counters()).isEmpty();
    }

    @Test
    void recordingRoundTrips() throws IOException {
        ExitProfile first = parse("""
                [ EXIT_REASON_HLT] [12] count = 32
                [ EXIT_REASON_MSR_WRITE] [32] count = 90
                """);
        ExitProfile rec = new ExitProfile(ExitProfile.MARKER, "live:1", "recording", List.of(new ExitProfile.Source("qmp", "ok", "x")),
                first.isa(), 2.0, "recording", null, first.events(), first.reasons(), first.counters(), first.msrs(), 0, List.of());
        String json = dev.kvmtune.cli.Json.write(rec);
        ExitProfile back = parse(json);
        assertThat(back.reasons()).isEqualTo(rec.reasons());
        assertThat(back.seconds()).isEqualTo(2.0);
        assertThat(back.sources()).isEqualTo(rec.sources());
    }

    @Test
    void badInputIsOneMessageNamingTheFile() {
        assertThatThrownBy(() -> parse("")).isInstanceOf(BadInputException.class).hasMessage("sample.txt: empty file");
        assertThatThrownBy(() -> parse("hello\nworld\n")).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("sample.txt:1: not a VM-exit input");
        assertThatThrownBy(() -> parse("PERFILE2\0\0\0")).isInstanceOf(BadInputException.class).hasMessageContaining("perf.data");
        assertThatThrownBy(() -> parse("{\"a\": 1}")).isInstanceOf(BadInputException.class).hasMessageContaining("not a kvmtune exits recording");
        assertThatThrownBy(() -> parse("{\"kvmtune\": \"exits/1\", ")).isInstanceOf(BadInputException.class).hasMessageStartingWith("sample.txt:1:");
        assertThatThrownBy(() -> parse("qemu 1 [0] 1.0: kvm:kvm_exit: nonsense\n")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("without a single VM exit");
    }
}
