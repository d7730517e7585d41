package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * exits record against a real QEMU: QMP query-stats under -accel kvm (counters move, the report
 * shows rates and the VM's NIC), tracefs on this machine (an instance of its own, removed
 * afterwards, and removed when the recorder is killed).
 */
class ExitsRecordLiveTest {
    private static final Path TRACING = Path.of("/sys/kernel/tracing");

    @TempDir
    Path tmp;

    @Test
    void qmpQueryStatsCountersMoveAndReportAsRates() throws Exception {
        Requires.kvm("query-stats has KVM counters only under KVM");
        try (Qemu q = Qemu.start(tmp, "exits-qmp", List.of("-smp", "2", "-m", "128", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"))) {
            Requires.machine(q.accel().equals("kvm"), "QEMU could not run under this machine's KVM and fell back to TCG: query-stats has KVM counters only under KVM");
            Path rec = tmp.resolve("rec.json");
            Cli.Result r = Cli.run("exits", "record", "--pid", Long.toString(q.pid()), "--source", "qmp", "--duration", "2s", "-o", rec.toString(),
                    "--per-vcpu");
            assertThat(r.exit()).as(r.err() + r.out()).isZero();
            assertThat(r.err()).contains("qmp: ok — query-stats of 2 vCPUs at start and end");
            JsonNode j = new ObjectMapper().readTree(rec.toFile());
            assertThat(j.path("kvmtune").asText()).isEqualTo("exits/1");
            assertThat(j.path("seconds").asDouble()).isBetween(1.9, 10.0);
            long exits = 0;
            for (JsonNode c : j.path("counters")) {
                if (c.path("name").asText().equals("exits")) {
                    exits = c.path("delta").asLong();
                    assertThat(c.path("perVcpu").has("vcpu 0")).isTrue();
                    assertThat(c.path("perVcpu").has("vcpu 1")).isTrue();
                }
            }
            assertThat(exits).as("KVM exits counted by query-stats over 2 s").isPositive();
            assertThat(j.path("vm").path("nics").get(0).asText()).isEqualTo("e1000");
            assertThat(j.path("vm").path("vcpuCpus").size()).isEqualTo(2);
            assertThat(r.out()).contains("KVM COUNTER").contains("PER SEC").contains("vcpu 0");

            Cli.Result rep = Cli.run("exits", "report", rec.toString(), "--format", "json");
            assertThat(rep.exit()).isZero();
            JsonNode report = new ObjectMapper().readTree(rep.out());
            assertThat(report.path("counters").get(0).path("perSecond").asDouble()).isPositive();
        }
    }

    @Test
    void tracefsInstanceIsUsedAndRemoved() throws Exception {
        Requires.root("tracefs instances are created by root");
        Requires.machine(Files.isWritable(TRACING.resolve("instances")), "tracefs is not mounted at " + TRACING);
        Requires.machine(Files.isDirectory(TRACING.resolve("events/kvm/kvm_exit")), "this kernel has no kvm tracepoints (kvm module not loaded)");
        String globalEnable = Files.readString(TRACING.resolve("events/kvm/kvm_exit/enable"));
        try (Qemu q = Qemu.start(tmp, "exits-trace", List.of("-smp", "1", "-m", "64"))) {
            Path rec = tmp.resolve("trace.json");
            Cli.Result r = Cli.run("exits", "record", "--pid", Long.toString(q.pid()), "--source", "tracefs", "--duration", "2s", "-o", rec.toString());
            // Under nested KVM the kernel emits no kvm_exit: record says so (exit 3); where it does, exit 0.
            assertThat(r.exit()).as(r.err()).isIn(0, 3);
            JsonNode src = new ObjectMapper().readTree(rec.toFile()).path("sources").get(0);
            assertThat(src.path("name").asText()).isEqualTo("tracefs");
            assertThat(src.path("status").asText()).isIn("ok", "empty");
            assertThat(src.path("detail").asText()).contains("instances/kvmtune-exits-" + q.pid());
            if (r.exit() == 3) assertThat(r.err()).contains("no source saw a VM exit");
            assertThat(TRACING.resolve("instances/kvmtune-exits-" + q.pid())).doesNotExist();
            assertThat(Files.readString(TRACING.resolve("events/kvm/kvm_exit/enable"))).isEqualTo(globalEnable);
        }
    }

    @Test
    void killedRecorderLeavesNoTraceInstance() throws Exception {
        Requires.root("tracefs instances are created by root");
        Requires.machine(Files.isWritable(TRACING.resolve("instances")), "tracefs is not mounted at " + TRACING);
        Requires.machine(Files.isDirectory(TRACING.resolve("events/kvm/kvm_exit")), "this kernel has no kvm tracepoints (kvm module not loaded)");
        try (Qemu q = Qemu.start(tmp, "exits-kill", List.of("-smp", "1", "-m", "64"))) {
            Path instance = TRACING.resolve("instances/kvmtune-exits-" + q.pid());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.kvmtune.cli.Main", "exits", "record",
                    "--pid", Long.toString(q.pid()), "--source", "tracefs", "--duration", "120s", "-o", tmp.resolve("k.json").toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("child.err").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.isDirectory(instance.resolve("events")) && System.nanoTime() < deadline && child.isAlive()) Thread.sleep(50);
            assertThat(instance).as(readErr()).isDirectory();
            Thread.sleep(300);
            child.destroy(); // SIGTERM, as kill and systemd send; Ctrl-C's SIGINT runs the same hooks
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(instance).as(readErr()).doesNotExist();
        }
    }

    /** The real perf's kvm stat output is recognized; on this nested host it has a header and no exits. */
    @Test
    void realPerfKvmStatReportIsRecognized() throws Exception {
        Path data = tmp.resolve("perf.data.guest");
        Process rec = new ProcessBuilder(Requires.command("perf", "linux-perf").toString(), "kvm", "stat", "record", "-a", "-o", data.toString(), "sleep", "1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("rec.log").toFile()).start();
        assertThat(rec.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Requires.machine(rec.exitValue() == 0 && Files.exists(data), "perf kvm stat record cannot record on this kernel: " + Files.readString(tmp.resolve("rec.log")).strip());
        Path report = tmp.resolve("report.txt");
        Process rep = new ProcessBuilder(Requires.command("perf", "linux-perf").toString(), "kvm", "-i", data.toString(), "stat", "report")
                .redirectErrorStream(true).redirectOutput(report.toFile()).start();
        assertThat(rep.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(report);
        assertThat(text).contains("VM-EXIT");
        Cli.Result r = Cli.run("exits", "report", report.toString());
        if (text.contains("Total Samples:0,")) {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains(report + ": perf-kvm-stat input without a single VM exit");
        } else {
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("(perf-kvm-stat");
        }
        Cli.Result raw = Cli.run("exits", "report", data.toString());
        assertThat(raw.exit()).isEqualTo(2);
        assertThat(raw.err()).contains("perf.data file");
    }

    private String readErr() throws IOException {
        Path p = tmp.resolve("child.err");
        return Files.exists(p) ? Files.readString(p) : "";
    }
}
