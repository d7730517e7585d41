package dev.kvmtune.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmtune.facts.proc.SchedstatReader;
import dev.kvmtune.latency.PerfSchedLatency;
import dev.kvmtune.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report on a bundle a real measure run made (src/test/resources/report/bundle-spin: a TCG guest
 * spinning its vCPU, perf sched on), and on copies of it that lack parts, are damaged, or come
 * from an older kvmtune; and measure refusing what it must not write over.
 */
class ReportBundleTest {
    static final Path BUNDLE = Path.of("src/test/resources/report/bundle-spin");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    Path copy(String name) throws Exception {
        Path to = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(BUNDLE)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(BUNDLE.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return to;
    }

    @Test
    void oneBundleGivesASingleRunReportWithEverySection() throws Exception {
        Path html = tmp.resolve("r.html");
        Cli.Result r = Cli.run("report", BUNDLE.toString(), "-o", html.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String page = Files.readString(html);
        for (String id : MeasureReportTest.SECTIONS) assertThat(page).contains("<section id=\"" + id + "\"");
        // nothing is fetched: no http(s) reference, no external script or stylesheet
        // (SVG's namespace names are not addresses: nothing is fetched from them)
        assertThat(page.replaceAll("http://www\\.w3\\.org/[0-9]{4}/(svg|xlink)", "")).doesNotContain("http:").doesNotContain("https:")
                .doesNotContain("<link").doesNotContain("src=\"").doesNotContain("url(");
        assertThat(page).contains("data:image/svg+xml;base64,");
        assertThat(r.out()).startsWith("spin1: measured");
        JsonNode c = JSON.readTree(Cli.run("report", BUNDLE.toString(), "--format", "json").out());
        assertThat(c.path("kind").asText()).isEqualTo("single");
        assertThat(c.has("changes")).isFalse();
        // seed 003 both ways: the schedstat wait and perf sched's row for the same vCPU thread
        JsonNode vcpu = null;
        for (JsonNode w : c.path("vms").get(0).path("vcpuWait")) if (w.path("thread").asText().equals("vCPU 0")) vcpu = w;
        assertThat(vcpu).isNotNull();
        assertThat(vcpu.path("waitShare").get(0).asDouble()).isBetween(0.0, 1.0);
        assertThat(vcpu.path("perfMaxDelayMs").get(0).asDouble()).isEqualTo(0.080);
        assertThat(c.path("bundles").get(0).path("missing").path("snapshot").asText()).isEqualTo("skipped: --skip snapshot");
    }

    @Test
    void aBundleFromAnOlderKvmtuneSaysWhatItLacks() throws Exception {
        Path old = copy("old");
        Files.delete(old.resolve("ticks.json"));
        Files.delete(old.resolve("threads-spin1.json"));
        ObjectNode m = (ObjectNode) JSON.readTree(old.resolve("manifest.json").toFile());
        m.put("version", "0.0.9");
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode s : m.path("steps")) if (!List.of("ticks", "threads").contains(s.path("part").asText())) kept.add(s);
        m.set("steps", kept);
        Files.writeString(old.resolve("manifest.json"), JSON.writeValueAsString(m));
        Path html = tmp.resolve("old.html");
        Cli.Result r = Cli.run("report", BUNDLE.toString(), old.toString(), "-o", html.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String page = Files.readString(html);
        assertThat(page).contains("not in this bundle (kvmtune 0.0.9 did not record it)");
        JsonNode c = JSON.readTree(Cli.run("report", BUNDLE.toString(), old.toString(), "--format", "json").out());
        assertThat(c.path("bundles").get(1).path("missing").path("ticks").asText()).contains("did not record it");
        assertThat(c.path("bundles").get(1).path("missing").path("threads spin1").asText()).contains("did not record it");
    }

    @Test
    void aStepThatFailedOrWasStoppedIsNamedWithItsReason() throws Exception {
        Path b = copy("stopped");
        Files.delete(b.resolve("latency.txt"));
        ObjectNode m = (ObjectNode) JSON.readTree(b.resolve("manifest.json").toFile());
        for (JsonNode s : m.path("steps")) {
            if (s.path("part").asText().equals("latency")) {
                ((ObjectNode) s).put("status", "interrupted");
                ((ObjectNode) s).put("reason", "stopped by Ctrl-C; what it recorded until then is kept");
            }
        }
        m.put("interrupted", true);
        m.put("complete", false);
        Files.writeString(b.resolve("manifest.json"), JSON.writeValueAsString(m));
        JsonNode c = JSON.readTree(Cli.run("report", b.toString(), "--format", "json").out());
        assertThat(c.path("bundles").get(0).path("missing").path("latency").asText()).startsWith("stopped by Ctrl-C");
        assertThat(c.path("bundles").get(0).path("interrupted").asBoolean()).isTrue();
    }

    @Test
    void aDamagedPartIsExitTwoNamingTheFileAndLine() throws Exception {
        Path b = copy("damaged");
        String audit = Files.readString(b.resolve("audit.json"));
        Files.writeString(b.resolve("audit.json"), audit.substring(0, audit.length() / 2));
        Path html = tmp.resolve("d.html");
        Cli.Result r = Cli.run("report", b.toString(), "-o", html.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(b.resolve("audit.json") + ":").contains("not valid JSON").contains("damaged");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
        assertThat(html).doesNotExist();
    }

    @Test
    void notABundleIsRefused() throws Exception {
        Cli.Result none = Cli.run("report", tmp.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no manifest.json");
        Path b = copy("foreign");
        Files.writeString(b.resolve("manifest.json"), "{\"format\": \"something-else/3\", \"steps\": []}");
        assertThat(Cli.run("report", b.toString()).err()).contains("not kvmtune-measure/1");
        // a VM file name that would lead out of the bundle
        ObjectNode m = (ObjectNode) JSON.readTree(BUNDLE.resolve("manifest.json").toFile());
        ((ObjectNode) m.path("vms").get(0)).put("fileName", "../../etc/passwd");
        Files.writeString(b.resolve("manifest.json"), JSON.writeValueAsString(m));
        Cli.Result out = Cli.run("report", b.toString(), "--format", "json");
        assertThat(out.exit()).isEqualTo(2);
        assertThat(out.err()).contains("not a plain file name");
        Cli.Result three = Cli.run("report", BUNDLE.toString(), BUNDLE.toString(), BUNDLE.toString());
        assertThat(three.exit()).isEqualTo(2);
        assertThat(three.err()).contains("--compare");
        Cli.Result dev = Cli.run("report", BUNDLE.toString(), "-o", "/dev/null");
        assertThat(dev.exit()).isEqualTo(2);
        assertThat(dev.err()).contains("not a regular file");
    }

    @Test
    void compareGivesOneColumnPerHost() throws Exception {
        Path a = copy("host-a");
        Path b = copy("host-b");
        Path c = copy("host-c");
        Path html = tmp.resolve("fleet.html");
        Cli.Result r = Cli.run("report", "--compare", a.toString(), b.toString(), c.toString(), "-o", html.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(Cli.run("report", "--compare", a.toString(), b.toString(), c.toString(), "--format", "json").out());
        assertThat(j.path("kind").asText()).isEqualTo("compare");
        List<String> labels = new ArrayList<>();
        j.path("bundles").forEach(x -> labels.add(x.path("label").asText()));
        assertThat(labels).containsExactly("host-a", "host-b", "host-c");
        assertThat(j.path("latency").get(0).path("perBundle")).hasSize(3);
        assertThat(Files.readString(html)).contains("Hosts side by side");
    }

    @Test
    void measureNeverWritesIntoWhatExists() throws Exception {
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        Cli.Result r = Cli.run("measure", "-o", full.toString(), "--duration", "1s");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("is not empty");
        try (Stream<Path> s = Files.list(full)) {
            assertThat(s.toList()).containsExactly(full.resolve("keep.txt"));
        }
        Path file = Files.writeString(tmp.resolve("file"), "mine");
        assertThat(Cli.run("measure", "-o", file.toString()).err()).contains("not a directory");
        assertThat(Files.readString(file)).isEqualTo("mine");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectories(tmp.resolve("target")));
        assertThat(Cli.run("measure", "-o", link.toString()).err()).contains("symbolic link");
        Cli.Result skip = Cli.run("measure", "-o", tmp.resolve("new1").toString(), "--skip", "latency,bogus");
        assertThat(skip.exit()).isEqualTo(2);
        assertThat(skip.err()).contains("--skip bogus");
        Cli.Result vm = Cli.run("measure", "-o", tmp.resolve("new2").toString(), "--vm", "no-such-vm-here");
        assertThat(vm.exit()).isEqualTo(2);
        assertThat(vm.err()).contains("--vm no-such-vm-here");
        assertThat(tmp.resolve("new1")).doesNotExist();
        assertThat(tmp.resolve("new2")).doesNotExist();
    }

    @Test
    void perfSchedLatencyRowsOfPerf61AndOlderPerf() throws Exception {
        PerfSchedLatency.Table t = PerfSchedLatency.parse(Files.readString(Path.of("src/test/resources/report/perf-sched-latency-6.1.txt")));
        assertThat(t.unparsed()).isZero();
        PerfSchedLatency.Row vcpu = t.rows().stream().filter(r -> r.task().equals("CPU 0/TCG")).findFirst().orElseThrow();
        assertThat(vcpu.pid()).isEqualTo(3831);
        assertThat(vcpu.runtimeMs()).isEqualTo(19.796);
        assertThat(vcpu.maxAtSeconds()).isEqualTo(0.0);
        PerfSchedLatency.Row merged = t.rows().get(0);
        assertThat(merged.pid()).isNull();
        assertThat(merged.threads()).isEqualTo(2);
        assertThat(merged.maxDelayMs()).isEqualTo(0.663);
        // the older layout (perf before 5.x printed "max at:"), as builtin-sched.c formats it
        PerfSchedLatency.Table old = PerfSchedLatency.parse(
                "  CPU 1/KVM:4242        |   1234.500 ms |      321 | avg:    0.012 ms | max:    1.250 ms | max at:  12345.678901 s\n");
        assertThat(old.rows()).singleElement().satisfies(r -> {
            assertThat(r.task()).isEqualTo("CPU 1/KVM");
            assertThat(r.pid()).isEqualTo(4242);
            assertThat(r.maxDelayMs()).isEqualTo(1.25);
            assertThat(r.maxAtSeconds()).isEqualTo(12345.678901);
        });
        assertThat(PerfSchedLatency.parse("  x:1 | garbage | 3 |\n").unparsed()).isEqualTo(1);
    }

    @Test
    void schedstatAbsentZeroAndUnparseableAreThreeOutcomes() {
        assertThat(SchedstatReader.parse("123 456 7\n")).isEqualTo(new SchedstatReader.Schedstat(123, 456, 7));
        assertThat(SchedstatReader.parse("0 0 0\n")).isEqualTo(new SchedstatReader.Schedstat(0, 0, 0));
        assertThat(SchedstatReader.parse("123 456\n")).isNull();
        assertThat(SchedstatReader.parse("a b c\n")).isNull();
        assertThat(SchedstatReader.parse("-1 2 3")).isNull();
    }

    /** Ctrl-C in the middle of the window: the quick parts stay done, the ones running are marked, later ones not run, and the bundle still reports. */
    @Test
    void ctrlCKeepsWhatFinishedAndRecordsWhatDidNot() throws Exception {
        Path out = tmp.resolve("stopped-run");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.kvmtune.cli.Main", "measure", "-o", out.toString(),
                "--duration", "30s", "--skip", "snapshot,exits,flame").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(tmp.resolve("stopped.err").toFile()).start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline && !Files.readString(tmp.resolve("stopped.err")).contains("measure window")) Thread.sleep(100);
        Thread.sleep(1500);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        JsonNode m = JSON.readTree(out.resolve("manifest.json").toFile());
        assertThat(m.path("interrupted").asBoolean()).isTrue();
        assertThat(m.path("complete").asBoolean()).isFalse();
        java.util.Map<String, String> status = new java.util.HashMap<>();
        m.path("steps").forEach(s -> status.put(s.path("part").asText(), s.path("status").asText()));
        assertThat(status).containsEntry("facts", "done").containsEntry("audit", "done");
        assertThat(status.get("ticks")).isIn("interrupted");
        assertThat(status.get("latency")).isIn("not_run", "skipped");
        assertThat(Files.readString(tmp.resolve("stopped.err"))).contains("manifest.json says what finished");
        Cli.Result r = Cli.run("report", out.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).path("bundles").get(0).path("missing").path("ticks").asText()).startsWith("stopped by Ctrl-C");
    }
}
