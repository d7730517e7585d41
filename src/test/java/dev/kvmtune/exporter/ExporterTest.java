package dev.kvmtune.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kvmtune exporter as a user runs it: its own process beside a real QEMU guest, scraped over HTTP,
 * its output checked by promtool, scraped by a real Prometheus server and queried through its HTTP
 * API; under concurrent scrapes and malformed requests; and its textfile for node_exporter.
 */
class ExporterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path LATENCY = Path.of("src/test/resources/report/bundle-spin/latency.json");
    static final Path SNAPSHOT = Path.of("src/test/resources/roots/nested-kvm-2cpu-tuned/snapshot.tar.gz");

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aRealPrometheusScrapesTheExporterBesideARealGuest() throws Exception {
        Requires.command("promtool", "prometheus");
        Requires.command("prometheus", "prometheus");
        Path measure = Files.createDirectories(tmp.resolve("measure/run-1"));
        Files.copy(LATENCY, measure.resolve("latency.json"));
        JsonNode fixture = JSON.readTree(LATENCY.toFile());
        try (Qemu guest = Qemu.start(tmp, "kt-exp", List.of("-m", "64", "-smp", "2", "-S"))) {
            Process exporter = start("exporter", "--listen", "127.0.0.1:0", "--interval", "2s", "--latency", tmp.resolve("measure").toString());
            Process prometheus = null;
            try {
                int port = port(exporter);
                String base = "http://127.0.0.1:" + port;
                HttpResponse<String> r = get(base + "/metrics", null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
                String text = r.body();
                Path scraped = tmp.resolve("scrape.txt");
                Files.writeString(scraped, text);
                Process check = new ProcessBuilder("promtool", "check", "metrics").redirectInput(scraped.toFile()).redirectErrorStream(true).start();
                String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(check.waitFor()).as(said).isZero();
                assertThat(said).as("promtool's lint").isBlank();
                // the guest, as the exporter read it: two vCPU threads, 64 MiB of RAM, each vCPU's schedstat
                assertThat(text).contains("kvmtune_vm_vcpus{vm=\"kt-exp\"} 2.0")
                        .contains("kvmtune_vm_guest_memory_bytes{vm=\"kt-exp\"} 6.7108864E7")
                        .containsPattern("kvmtune_vm_vcpu_run_delay_seconds_total\\{vcpu=\"1\",vm=\"kt-exp\"} \\d")
                        .containsPattern("kvmtune_vm_resident_bytes\\{vm=\"kt-exp\"} \\d")
                        .containsPattern("kvmtune_audit_findings\\{rule=\"[a-z_.]+\",severity=\"(pass|info|warn|fail)\"} \\d")
                        .containsPattern("kvmtune_cpu_local_timer_interrupts_total\\{cpu=\"0\"} \\d");
                // the newest latency result under --latency: the measure bundle's, each thread's max in seconds
                JsonNode t0 = fixture.path("threads").get(0);
                assertThat(text).contains("kvmtune_latency_max_seconds{cpu=\"\",thread=\"0\"} " + (t0.path("max").asLong() / 1e6));
                // OpenMetrics when asked for
                HttpResponse<String> om = get(base + "/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
                assertThat(om.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
                assertThat(om.body()).endsWith("# EOF\n").contains("kvmtune_vm_vcpus{vm=\"kt-exp\"} 2.0");

                // a real Prometheus on loopback scrapes it every second; PromQL over its HTTP API finds the series
                int promPort;
                try (var s = new java.net.ServerSocket(0)) {
                    promPort = s.getLocalPort();
                }
                Path config = tmp.resolve("prometheus.yml");
                Files.writeString(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kvmtune\n    static_configs:\n"
                        + "      - targets: ['127.0.0.1:" + port + "']\n");
                prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                        "--web.listen-address=127.0.0.1:" + promPort).redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
                String api = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
                JsonNode vcpus = query(api, "kvmtune_vm_vcpus{vm=\"kt-exp\"}", tmp.resolve("prometheus.log"));
                assertThat(vcpus.get(0).path("value").get(1).asText()).isEqualTo("2");
                assertThat(query(api, "up{job=\"kvmtune\"}", tmp.resolve("prometheus.log")).get(0).path("value").get(1).asText()).isEqualTo("1");
                assertThat(query(api, "sum(kvmtune_audit_findings)", tmp.resolve("prometheus.log")).get(0).path("value").get(1).asDouble()).isPositive();
                prometheus.destroy();
                prometheus.waitFor(30, TimeUnit.SECONDS);

                // concurrent scrapes are served from the last reading: they do not make the exporter read the host again
                double collections = value(get(base + "/metrics", null).body(), "kvmtune_exporter_collections_total");
                double scrapes = value(get(base + "/metrics", null).body(), "kvmtune_exporter_scrapes_total");
                long rssBefore = rss(exporter.pid());
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<Integer>> codes = new ArrayList<>();
                for (int i = 0; i < 8 * 30; i++) codes.add(pool.submit(() -> get(base + "/metrics", null).statusCode()));
                for (Future<Integer> f : codes) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(200);
                pool.shutdown();
                String after = get(base + "/metrics", null).body();
                assertThat(value(after, "kvmtune_exporter_scrapes_total") - scrapes).isGreaterThanOrEqualTo(240);
                // 240 scrapes took a few seconds at most: a reading every 2 s, not one per scrape
                assertThat(value(after, "kvmtune_exporter_collections_total") - collections).isLessThan(30);
                assertThat(rss(exporter.pid()) - rssBefore).as("resident memory growth over 240 scrapes, bytes").isLessThan(128L << 20);

                // malformed requests get 4xx and the exporter goes on serving
                assertThat(raw(port, "GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 400");
                assertThat(raw(port, new byte[] {0, 1, 2, (byte) 0xff, '\r', '\n', '\r', '\n'})).startsWith("HTTP/1.1 400");
                assertThat(raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
                        .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 405");
                assertThat(raw(port, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                        .matches("(?s)HTTP/1.1 4\\d\\d.*").doesNotContain("root:");
                assertThat(raw(port, ("GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(1 << 20) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)))
                        .as("a 1 MiB header").matches("(?s)(HTTP/1.1 4\\d\\d.*|)");
                assertThat(get(base + "/nope", null).statusCode()).isEqualTo(404);
                assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(200);
                assertThat(exporter.isAlive()).isTrue();
            } finally {
                if (prometheus != null) prometheus.destroyForcibly();
                exporter.destroy();
                assertThat(exporter.waitFor(20, TimeUnit.SECONDS)).as("exporter stops on SIGTERM").isTrue();
            }
        }
    }

    @Test
    void theTextfileIsWrittenWholeForNodeExporterAndMisuseIsRefused() throws Exception {
        Requires.command("promtool", "prometheus");
        Path dir = Files.createDirectories(tmp.resolve("textfile"));
        Cli.Result once = Cli.run("--snapshot", SNAPSHOT.toString(), "exporter", "--once", "--textfile", dir.toString());
        assertThat(once.exit()).as(once.err()).isZero();
        assertThat(once.err()).contains("wrote " + dir.resolve("kvmtune.prom"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("kvmtune.prom");
        }
        Process check = new ProcessBuilder("promtool", "check", "metrics").redirectInput(dir.resolve("kvmtune.prom").toFile()).redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(said).isZero();
        String text = Files.readString(dir.resolve("kvmtune.prom"));
        // the snapshot's own audit: the same findings kvmtune audit gives for it
        JsonNode audit = JSON.readTree(Cli.run("--snapshot", SNAPSHOT.toString(), "audit", "--format", "json").out());
        JsonNode first = audit.path("findings").get(0);
        assertThat(text).containsPattern("kvmtune_audit_findings\\{rule=\"" + Pattern.quote(first.path("id").asText()) + "\",severity=\""
                + first.path("severity").asText().toLowerCase(java.util.Locale.ROOT) + "\"} [1-9]");
        assertThat(text).contains("kvmtune_audit_info{isolated=\"" + audit.path("isolated").asText("") + "\"");

        // misuse: one line, exit 2, nothing written
        Path file = Files.writeString(tmp.resolve("a-file"), "keep");
        for (List<String> args : List.of(List.of("--once"), List.of("--textfile", file.toString(), "--once"), List.of("--listen", "nohost"),
                List.of("--listen", "127.0.0.1:99999"), List.of("--interval", "0s"), List.of("--listen", "none"),
                List.of("--latency", tmp.resolve("missing").toString()))) {
            List<String> all = new ArrayList<>(List.of("exporter"));
            all.addAll(args);
            Cli.Result r = Cli.run(all.toArray(String[]::new));
            assertThat(r.exit()).as(args + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        }
        assertThat(Files.readString(file)).isEqualTo("keep");
        // kvmtune.prom as a link planted in the directory: refused, the link's target untouched
        Path linked = Files.createDirectories(tmp.resolve("linked"));
        Files.createSymbolicLink(linked.resolve("kvmtune.prom"), file);
        Cli.Result link = Cli.run("--snapshot", SNAPSHOT.toString(), "exporter", "--once", "--textfile", linked.toString());
        assertThat(link.exit()).isEqualTo(2);
        assertThat(link.err()).contains("symbolic link");
        assertThat(Files.readString(file)).isEqualTo("keep");
    }

    /** The exporter as its own process (this JVM's java and classes). */
    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.kvmtune.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(tmp.resolve("exporter.out").toFile()).redirectError(tmp.resolve("exporter.err").toFile()).start();
    }

    /** The port from the exporter's "serving http://127.0.0.1:PORT/metrics" line. */
    private int port(Process p) throws Exception {
        Pattern serving = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)/metrics");
        for (int i = 0; i < 600; i++) {
            Matcher m = serving.matcher(Files.readString(tmp.resolve("exporter.err")));
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!p.isAlive()) break;
            Thread.sleep(100);
        }
        throw new AssertionError("the exporter did not start: " + Files.readString(tmp.resolve("exporter.err")));
    }

    private HttpResponse<String> get(String url, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (accept != null) b.header("Accept", accept);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A PromQL query's result vector, once Prometheus has scraped a sample (within 60 s). */
    private JsonNode query(String api, String promql, Path log) throws Exception {
        String last = "";
        for (int i = 0; i < 120; i++) {
            try {
                last = get(api + URLEncoder.encode(promql, StandardCharsets.UTF_8), null).body();
                JsonNode result = JSON.readTree(last).path("data").path("result");
                if (result.size() > 0) return result;
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Prometheus found no " + promql + ": " + last + "\n" + Files.readString(log));
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!m.find()) throw new AssertionError("no " + series + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static long rss(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    /** The first bytes of the answer to raw request bytes; "" when the server closed without one. */
    private static String raw(int port, byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException reset) {
                // the server may close the connection before it has read all of a huge request
            }
            InputStream in = s.getInputStream();
            try {
                return new String(in.readNBytes(200), StandardCharsets.ISO_8859_1);
            } catch (IOException reset) {
                return "";
            }
        }
    }
}
