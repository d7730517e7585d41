package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VM exits of other architectures. arm64: a real ftrace buffer recorded by an arm64 guest kernel
 * that ran KVM (exits/arm64-guest/make.sh), checked against a plain count of its own lines.
 * riscv64: lines made with the kernel's TP_printk format of arch/riscv/kvm/trace.h (no riscv64
 * kernel with KVM could be run here), including a cause the kernel prints as a number.
 */
class OtherArchExitsTest {
    static final Path ARM64 = Golden.resources().resolve("exits/arm64-guest");

    @TempDir
    Path tmp;

    @Test
    void arm64TraceCountsEveryExceptionClass() throws IOException {
        Path trace = ARM64.resolve("trace.txt");
        // the expected answer, counted independently: TRAP lines by their class name, other types by type
        Map<String, Long> expected = new TreeMap<>();
        Matcher m = Pattern.compile("kvm_exit: (\\w+): HSR_EC: 0x[0-9a-f]+ \\((\\w+)\\)").matcher(Files.readString(trace));
        while (m.find()) expected.merge(m.group(1).equals("TRAP") ? m.group(2) : m.group(1), 1L, Long::sum);
        assertThat(expected).containsKeys("DABT_LOW", "HVC64", "SYS64", "WFx", "IRQ");

        Cli.Result r = Cli.run("exits", "report", trace.toString(), "--format", "json", "--per-vcpu");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.path("isa").asText()).isEqualTo("ARM64");
        Map<String, Long> got = new TreeMap<>();
        report.path("reasons").forEach(row -> got.put(row.path("reason").asText(), row.path("count").asLong()));
        assertThat(got).isEqualTo(expected);
        Map<String, String> kinds = new TreeMap<>();
        report.path("reasons").forEach(row -> kinds.put(row.path("reason").asText(), row.path("kind").asText()));
        assertThat(kinds).containsEntry("DABT_LOW", "MMIO").containsEntry("WFx", "HLT").containsEntry("SYS64", "MSR")
                .containsEntry("IRQ", "EXTERNAL_INTERRUPT");
        // exits pair with the same thread's next kvm_entry, and the thread is QEMU's vCPU name
        report.path("reasons").forEach(row -> assertThat(row.path("avgUs").isNumber()).as(row.toString()).isTrue());
        assertThat(r.out()).contains("vcpu 0");

        Cli.Result text = Cli.run("exits", "report", trace.toString());
        assertThat(text.out()).contains("(ftrace, ARM64)").contains("exits.mmio").contains("DABT_LOW");
        Golden.check(ARM64.resolve("report.txt"), text.out().replace(ARM64.toString(), "ARM64"));
    }

    @Test
    void riscv64LinesNameTheirCause() throws IOException {
        // "%s: SEPC:0x%lx, SCAUSE:0x%lx (%s), STVAL:0x%lx, HTVAL:0x%lx, HTINST:0x%lx" behind the ftrace prefix
        String fmt = "     CPU 0/KVM-3301    [001] d..1.   %d.%06d: kvm_exit: %s: SEPC:0x%x, SCAUSE:0x%x (%s), STVAL:0x%x, HTVAL:0x%x, HTINST:0x%x\n"
                + "     CPU 0/KVM-3301    [001] .....   %d.%06d: kvm_entry: PC: 0x016%x\n";
        StringBuilder b = new StringBuilder();
        long pc = 0xffffffff80001234L;
        for (int i = 0; i < 30; i++) {
            b.append(String.format(Locale.ROOT, fmt, 90, i * 100, "EXC", pc, 21L, "LOAD_GUEST_PAGE_FAULT", 0x10001000L, 0x4000400L, 0L, 90, i * 100 + 4, pc));
        }
        for (int i = 0; i < 10; i++) {
            long cause = Long.MIN_VALUE | 9; // S_EXT with the interrupt bit: the kernel's table has no entry, so it prints the number
            b.append(String.format(Locale.ROOT, fmt, 91, i * 100, "IRQ", pc, cause, String.format(Locale.ROOT, "0x%x", cause), 0L, 0L, 0L,
                    91, i * 100 + 2, pc));
        }
        Path trace = tmp.resolve("riscv.trace");
        Files.writeString(trace, b, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("exits", "report", trace.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.path("isa").asText()).isEqualTo("RISCV64");
        Map<String, Long> got = new TreeMap<>();
        report.path("reasons").forEach(row -> got.put(row.path("reason").asText() + "/" + row.path("kind").asText(), row.path("count").asLong()));
        assertThat(got).containsExactlyInAnyOrderEntriesOf(Map.of("LOAD_GUEST_PAGE_FAULT/MMIO", 30L, "S_EXT/EXTERNAL_INTERRUPT", 10L));
    }
}
