package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.BadInputException;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Every parser, fed garbage or real samples cut and corrupted: a profile or one bad-input message, nothing else. */
class ExitInputsFuzzTest {
    private static final List<String> SAMPLES = List.of(
            "       CPU 0/KVM  4243 [001]  100.100000: kvm:kvm_exit: vcpu 0 reason IO_INSTRUCTION rip 0xffffffff81001234 info1 0x0 info2 0x0 intr_info 0x00000000 error_code 0x00000000\n"
                    + "       CPU 0/KVM  4243 [001]  100.100004: kvm:kvm_entry: vcpu 0, rip 0xffffffff81001236\n"
                    + "       CPU 0/KVM  4243 [001]  100.100005: kvm:kvm_msr: msr_write 830 = 0x4000000fd\n",
            "       CPU 1/KVM-4244    [001] d..1.  9780.888518: kvm_exit: vcpu 1 reason EXTERNAL_INTERRUPT rip 0x1 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0\n",
            "Analyze events for all VMs, all VCPUs:\n\n             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time\n\n"
                    + "           MSR_WRITE       9167    35.40%     0.04%      0.45us   9554.94us      3.00us ( +-  41.94% )\n\nTotal Samples:9167, Total events handled time:1.00us.\n",
            "-------\n[ EXIT_REASON_HLT] [12] count = 32\n[ ] [0x830] count = 23313\n",
            "# event histogram\n{ exit_reason:         49, common_pid:       4243 } hitcount:        157\nTotals:\n    Hits: 157\n",
            "exits halt_exits kvm_exit(HLT)\n2026-11-21 10:00:01      1000       400       100\n",
            "timestamp,kvm_exit,kvm_exit(HLT)\n2026-11-21 10:00:00,30,10\n",
            "{\"kvmtune\":\"exits/1\",\"input\":\"x\",\"format\":\"recording\",\"events\":1,\"reasons\":[{\"reason\":\"HLT\",\"kind\":\"HLT\",\"count\":1}],\"counters\":[],\"msrs\":[],\"unknownLines\":0,\"notes\":[]}");

    private static void parseOrRefuse(byte[] bytes) {
        try {
            ExitProfile p = ExitInputs.read(new BufferedInputStream(new ByteArrayInputStream(bytes), 1 << 16), "fuzz.txt", null, new Warnings());
            assertThat(p.events()).isNotNegative();
            assertThat(p.unknownLines()).isNotNegative();
            ExitReport.of(p, true);
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("fuzz.txt");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 400)
    void anyBytes(@ForAll @Size(max = 600) byte[] bytes) {
        parseOrRefuse(bytes);
    }

    @Property(tries = 1500)
    void samplesCutAndCorrupted(@ForAll("sample") String sample, @ForAll("cut") int cut, @ForAll("junk") String junk, @ForAll("cut") int at) {
        String s = sample.substring(0, Math.min(sample.length(), cut % (sample.length() + 1)));
        int pos = at % (s.length() + 1);
        parseOrRefuse((s.substring(0, pos) + junk + s.substring(pos)).getBytes(StandardCharsets.UTF_8));
    }

    /** The byte-level line parser alone, on any bytes at any offsets. */
    @Property(tries = 1000)
    void traceLineParserNeverThrows(@ForAll @Size(max = 300) byte[] bytes, @ForAll("cut") int s) {
        TraceLineParser p = new TraceLineParser(new ExitTally(null), "fuzz", new Warnings());
        int from = bytes.length == 0 ? 0 : s % bytes.length;
        p.line(bytes, from, bytes.length);
        byte[] line = SAMPLES.get(0).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, line, Math.min(from, line.length - 1), Math.min(bytes.length, line.length - Math.min(from, line.length - 1)));
        p.line(line, 0, line.length);
    }

    @Property(tries = 30)
    void seedFilesCutAnywhere(@ForAll("seedFile") Path file, @ForAll("cut") int cut) throws IOException {
        byte[] b = Files.readAllBytes(file);
        byte[] cutBytes = java.util.Arrays.copyOf(b, cut % (b.length + 1));
        parseOrRefuse(cutBytes);
    }

    @Provide
    Arbitrary<String> sample() {
        return Arbitraries.of(SAMPLES);
    }

    @Provide
    Arbitrary<Integer> cut() {
        return Arbitraries.integers().between(0, 100_000);
    }

    @Provide
    Arbitrary<String> junk() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
                Arbitraries.of("\n", "\0", "{", "}", "[", "]", ":", " reason ", "kvm_exit: ", "0x", "-", "\r\n", "99999999999999999999", "é"));
    }

    @Provide
    Arbitrary<Path> seedFile() throws IOException {
        try (var s = Files.list(Path.of("src/test/resources/exits/seed001"))) {
            return Arbitraries.of(s.filter(p -> p.toString().endsWith(".stp")).sorted().toList());
        }
    }
}
