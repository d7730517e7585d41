package dev.kvmtune.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Chromium;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow on this machine: a real QEMU guest that keeps its vCPU busy, measure, a real
 * apply (IRQs moved off CPU 1, live, with its journal), measure again, report; then the page in
 * headless Chromium with networking off.
 */
class MeasureReportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SECTIONS = List.of("verdicts", "identity", "changes", "audit", "latency", "cpus", "irqs", "exits", "rundelay",
            "memory", "flames", "missing");

    @TempDir
    static Path tmp;

    static Path before;
    static Path after;
    static Path journals;
    static Path html;
    static String beforeErr;

    /** A boot sector whose code is one jump to itself: the guest's vCPU spins for as long as QEMU runs. */
    static Path spinDisk(Path dir) throws Exception {
        byte[] sector = new byte[512];
        sector[0] = (byte) 0xEB; // jmp $
        sector[1] = (byte) 0xFE;
        sector[510] = 0x55;
        sector[511] = (byte) 0xAA;
        Path p = dir.resolve("spin.img");
        Files.write(p, sector);
        return p;
    }

    @BeforeAll
    static void measureApplyMeasureReport() throws Exception {
        Requires.root("measure runs cyclictest, perf and tracefs, and the apply between the runs moves IRQs");
        Requires.command("cyclictest", "rt-tests");
        Requires.command("perf", "linux-perf");
        List<JsonNode> cpus = new ArrayList<>();
        JSON.readTree(Cli.run("irq", "--interval", "0", "--format", "json").out()).path("cpus").forEach(cpus::add);
        Requires.machine(cpus.size() >= 2, "one CPU: no IRQ can be moved between the runs");
        try (Qemu q = Qemu.start(tmp, "spin1", List.of("-smp", "1", "-m", "64", "-drive", "file=" + spinDisk(tmp) + ",format=raw,if=ide"))) {
            before = tmp.resolve("before");
            after = tmp.resolve("after");
            journals = tmp.resolve("journals");
            Cli.Result m1 = Cli.run("measure", "-o", before.toString(), "--vm", "spin1", "--duration", "2s", "--perf-sched", "--journal-dir", journals.toString());
            beforeErr = m1.err();
            assertThat(m1.exit()).as(m1.err()).isZero();
            Path plan = tmp.resolve("plan");
            assertThat(Cli.run("irq", "--plan", "--interval", "0", "--avoid", "1-" + (cpus.size() - 1), "--out", plan.toString()).exit()).isZero();
            Cli.Result apply = Cli.run("apply", plan.resolve("plan.json").toString(), "--yes", "--skip", "service", "--journal-dir", journals.toString());
            try {
                assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
                Cli.Result m2 = Cli.run("--format", "json", "measure", "-o", after.toString(), "--vm", "spin1", "--duration", "2s", "--journal-dir", journals.toString());
                assertThat(m2.exit()).as(m2.err()).isZero();
                assertThat(JSON.readTree(m2.out())).isEqualTo(JSON.readTree(after.resolve("manifest.json").toFile()));
            } finally {
                Cli.Result rb = Cli.run("rollback", "--journal-dir", journals.toString());
                assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
            }
        }
        html = tmp.resolve("report.html");
        Cli.Result r = Cli.run("report", before.toString(), after.toString(), "-o", html.toString());
        assertThat(r.exit()).as(r.err()).isZero();
    }

    @Test
    void theBundleHoldsEveryPartWithTheCommandThatMadeIt() throws Exception {
        JsonNode m = JSON.readTree(before.resolve("manifest.json").toFile());
        assertThat(m.path("format").asText()).isEqualTo("kvmtune-measure/1");
        assertThat(m.path("complete").asBoolean()).isTrue();
        assertThat(m.path("interrupted").asBoolean()).isFalse();
        assertThat(m.path("vms").get(0).path("name").asText()).isEqualTo("spin1");
        List<String> parts = new ArrayList<>();
        for (JsonNode s : m.path("steps")) {
            parts.add(s.path("part").asText());
            assertThat(s.path("status").asText()).as(s.toString()).isEqualTo("done");
            assertThat(s.path("command").asText()).as(s.toString()).isNotBlank();
            for (JsonNode f : s.path("files")) {
                if (f.asText().endsWith(".cyclictest.json")) continue;
                assertThat(before.resolve(f.asText())).as(s.toString()).isRegularFile();
            }
        }
        assertThat(parts).containsExactly("snapshot", "facts", "audit", "mem", "journal", "ticks", "irq", "exits", "threads", "flame", "perf-sched", "latency");
        // seed 003: the vCPU thread's wait over the window, and perf sched latency's own line for it
        JsonNode threads = JSON.readTree(before.resolve("threads-spin1.json").toFile());
        JsonNode vcpu = null;
        for (JsonNode d : threads.get(0).path("runDelay")) if (d.path("role").asText().equals("vcpu")) vcpu = d;
        assertThat(vcpu).isNotNull();
        assertThat(vcpu.path("runNs").asLong()).as("a spinning vCPU ran").isPositive();
        assertThat(vcpu.path("waitShare").asDouble()).isBetween(0.0, 1.0);
        assertThat(Files.readString(before.resolve("perf-sched.txt"))).contains("CPU 0/");
        assertThat(Files.size(before.resolve("flame-spin1.folded"))).isPositive();
        assertThat(beforeErr).contains("measure window").contains("kvmtune report");
    }

    @Test
    void theJsonComparesTheRunsAndNamesTheApplyBetweenThem() throws Exception {
        Cli.Result r = Cli.run("report", before.toString(), after.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode c = JSON.readTree(r.out());
        assertThat(c.path("kind").asText()).isEqualTo("before-after");
        assertThat(c.path("bundles")).hasSize(2);
        JsonNode j = c.path("changes").path("journals");
        assertThat(j).hasSize(1);
        assertThat(j.get(0).path("rollback").asText()).startsWith("sudo kvmtune rollback ").contains(journals.toString());
        assertThat(c.path("latency").size()).isPositive();
        JsonNode row = c.path("latency").get(0);
        assertThat(row.path("perBundle")).hasSize(2);
        assertThat(row.path("maxRatio").isNumber()).isTrue();
        JsonNode vm = c.path("vms").get(0);
        assertThat(vm.path("name").asText()).isEqualTo("spin1");
        assertThat(vm.path("flames").get(0).asText()).isEqualTo("before/flame-spin1.svg");
        assertThat(vm.path("flames").get(1).asText()).isEqualTo("after/flame-spin1.svg");
        assertThat(vm.path("vcpuWait").get(0).path("waitShare")).hasSize(2);
        assertThat(c.path("verdicts").get(0).asText()).startsWith("spin1: ");
        assertThat(c.path("cpus").size()).isEqualTo(JSON.readTree(before.resolve("ticks.json").toFile()).path("cpus").size());
    }

    @Test
    void thePageRendersOfflineInChromiumWithEverySectionAndAZoomableFlameGraph() throws Exception {
        assertThat(Files.size(html)).isLessThan(5L << 20);
        Path shots = Path.of("target", "report-screenshots");
        Files.createDirectories(shots);
        try (Chromium ch = Chromium.start(tmp.resolve("chromium-profile"))) {
            ch.openPage(1280, 900);
            String url = html.toUri().toString();
            ch.load(url);
            Thread.sleep(500);
            assertThat(ch.errors()).as("console errors").isEmpty();
            assertThat(ch.requests()).as("requests other than the page and its data: URLs")
                    .allMatch(u -> u.equals(url) || u.startsWith("data:"));
            List<String> ids = new ArrayList<>();
            ch.eval("Array.from(document.querySelectorAll('main > section')).map(s => s.id)", null).forEach(n -> ids.add(n.asText()));
            assertThat(ids).containsExactlyElementsOf(SECTIONS);
            // charts drawn: the latency histogram has a line per run, the exit chart bars or the page says why there are none
            assertThat(ch.eval("document.querySelectorAll('#latency figure.chart svg polyline, #latency figure.chart svg path').length", null).asInt()).isPositive();
            // headings: one h1, an h2 per section, no h3 outside a section
            assertThat(ch.eval("document.querySelectorAll('h1').length", null).asInt()).isEqualTo(1);
            assertThat(ch.eval("document.querySelectorAll('main > section > h2').length", null).asInt()).isEqualTo(SECTIONS.size());
            assertThat(ch.eval("document.querySelectorAll('main h3:not(section h3)').length", null).asInt()).isZero();
            assertThat(ch.eval(CONTRAST, null).asDouble()).as("lowest text contrast ratio").isGreaterThanOrEqualTo(4.5);
            Files.write(shots.resolve("report-1280.png"), ch.screenshot(1280, 900));

            // the flame graphs: each an SVG document of its own, its script answering clicks
            assertThat(ch.eval("document.querySelectorAll('#flames object').length", null).asInt()).isEqualTo(2);
            List<Integer> contexts = new ArrayList<>();
            for (JsonNode e : ch.eventsNamed("Runtime.executionContextCreated")) {
                JsonNode c = e.path("params").path("context");
                if (c.path("auxData").path("isDefault").asBoolean() && !c.path("auxData").path("frameId").asText().isEmpty()) {
                    try {
                        if (ch.eval("!!document.getElementById('frames')", c.path("id").asInt()).asBoolean()) contexts.add(c.path("id").asInt());
                    } catch (IllegalStateException gone) {
                        // a context of a document that was replaced
                    }
                }
            }
            assertThat(contexts).as("each flame graph's own script context").hasSize(2);
            for (int ctx : contexts) {
                JsonNode zoom = ch.eval(ZOOM, ctx);
                assertThat(zoom.path("before").asDouble()).isLessThanOrEqualTo(zoom.path("after").asDouble());
                assertThat(zoom.path("after").asDouble()).isEqualTo(1180.0);
                assertThat(zoom.path("unzoomVisible").asBoolean()).isTrue();
            }

            // a narrow window: the page does not overflow sideways (wide tables scroll in their own box)
            ch.resize(420, 900);
            Thread.sleep(300);
            assertThat(ch.eval("document.documentElement.scrollWidth <= window.innerWidth + 1", null).asBoolean()).isTrue();
            Files.write(shots.resolve("report-420.png"), ch.screenshot(420, 900));
            assertThat(ch.errors()).isEmpty();
        }
    }

    /** Clicks the widest frame that is narrower than the whole graph (any when none is); its width becomes the graph's full 1180 px. */
    static final String ZOOM = """
            (() => {
              const w = g => +g.querySelector('rect').getAttribute('width');
              // the widest frame narrower than the graph; when every sample has the same stack, any frame below the root
              let gs = Array.from(document.querySelectorAll('#frames > g')).filter(g => +g.dataset.d >= 1 && w(g) < 1179);
              if (gs.length === 0) gs = Array.from(document.querySelectorAll('#frames > g')).filter(g => +g.dataset.d >= 1);
              gs.sort((a, b) => w(b) - w(a));
              const rect = gs[0].querySelector('rect');
              const before = +rect.getAttribute('width');
              rect.dispatchEvent(new MouseEvent('click', {bubbles: true}));
              return {before, after: +rect.getAttribute('width'), unzoomVisible: !document.getElementById('unzoom').classList.contains('hide')};
            })()""";

    /** The lowest WCAG contrast ratio between any text's colour and the background behind it. */
    static final String CONTRAST = """
            (() => {
              const lum = c => { const m = c.match(/[\\d.]+/g).map(Number); const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
              const bg = el => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; const a = c.match(/[\\d.]+/g);
                if (a && (a.length < 4 || +a[3] > 0)) return c; } return 'rgb(255,255,255)'; };
              let worst = 21;
              for (const el of document.querySelectorAll('body *')) {
                if (el.closest('svg, object')) continue;
                if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
                const a = lum(getComputedStyle(el).color), b = lum(bg(el));
                worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
              }
              return worst;
            })()""";
}
