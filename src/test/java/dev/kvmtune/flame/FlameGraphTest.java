package dev.kvmtune.flame;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** flame svg / diff / record: the SVG's structure, its script in a real headless Chromium, and real perf. */
class FlameGraphTest {
    static final Path PERF = Path.of("src/test/resources/flame/perf-system-cpu-clock.txt");

    @TempDir
    Path tmp;

    static Document parse(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(svg.toFile());
    }

    static List<Element> frames(Document d) {
        NodeList gs = d.getElementById("frames") == null ? byId(d, "frames").getChildNodes() : d.getElementById("frames").getChildNodes();
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < gs.getLength(); i++) if (gs.item(i) instanceof Element e && e.getTagName().equals("g")) out.add(e);
        return out;
    }

    static Element byId(Document d, String id) {
        NodeList all = d.getElementsByTagNameNS("*", "*");
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (id.equals(e.getAttribute("id"))) return e;
        }
        throw new AssertionError("no #" + id);
    }

    static String name(Element g) {
        String t = g.getElementsByTagNameNS("*", "title").item(0).getTextContent();
        return t.substring(0, t.lastIndexOf(" ("));
    }

    static Element rect(Element g) {
        return (Element) g.getElementsByTagNameNS("*", "rect").item(0);
    }

    @Test
    void perfScriptBecomesAValidSvgWithOneBoxPerMergedFrame() throws Exception {
        Path svg = tmp.resolve("f.svg");
        Cli.Result r = Cli.run("flame", "svg", PERF.toString(), "-o", svg.toString(), "--title", "cpu-clock <all>");
        assertThat(r.exit()).as(r.err()).isZero();
        Document d = parse(svg);
        List<Element> frames = frames(d);
        assertThat(frames).hasSizeGreaterThan(100);
        Element root = frames.get(0);
        assertThat(name(root)).isEqualTo("all");
        assertThat(rect(root).getAttribute("width")).isEqualTo("1180.0");
        assertThat(byId(d, "title").getTextContent()).isEqualTo("cpu-clock <all>");
        // children of a frame sit side by side inside it, in name order, one level up
        for (Element g : frames) {
            long s = Long.parseLong(g.getAttribute("data-s"));
            long n = Long.parseLong(g.getAttribute("data-n"));
            assertThat(s).isGreaterThanOrEqualTo(0);
            assertThat(s + n).isLessThanOrEqualTo(Long.parseLong(root.getAttribute("data-n")));
        }
        // the same frame name has the same color wherever it appears
        Map<String, String> colors = new LinkedHashMap<>();
        for (Element g : frames) {
            String prev = colors.putIfAbsent(name(g), rect(g).getAttribute("fill"));
            if (prev != null) assertThat(rect(g).getAttribute("fill")).as(name(g)).isEqualTo(prev);
        }
    }

    @Test
    void foldedInputTheSameAsPerfScriptCollapsed() throws Exception {
        Path folded = tmp.resolve("f.folded");
        Files.writeString(folded, Cli.run("flame", "collapse", PERF.toString()).out());
        Cli.Result a = Cli.run("flame", "svg", folded.toString());
        Cli.Result b = Cli.run("flame", "svg", PERF.toString());
        assertThat(a.exit()).isZero();
        assertThat(a.out()).isEqualTo(b.out()).startsWith("<?xml");
    }

    @Test
    void invertedReversedAndPalettes() throws Exception {
        Map<String, Long> stacks = new LinkedHashMap<>();
        stacks.put("main;a;leaf", 30L);
        stacks.put("main;b;leaf", 10L);
        stacks.put("main;b;sys_read_[k]", 5L);
        stacks.put("main;Ljava/lang/Thread;::run_[j]", 5L);
        Path in = tmp.resolve("s.folded");
        Files.writeString(in, String.join("\n", stacks.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()) + "\n");
        Document normal = svg(in);
        Document inverted = svg(in, "--inverted");
        double yRootN = Double.parseDouble(rect(frames(normal).get(0)).getAttribute("y"));
        double yLeafN = Double.parseDouble(rect(find(normal, "leaf")).getAttribute("y"));
        double yRootI = Double.parseDouble(rect(frames(inverted).get(0)).getAttribute("y"));
        double yLeafI = Double.parseDouble(rect(find(inverted, "leaf")).getAttribute("y"));
        assertThat(yLeafN).isLessThan(yRootN);
        assertThat(yLeafI).isGreaterThan(yRootI);
        Document reversed = svg(in, "--reverse");
        Element leaf = find(reversed, "leaf");
        assertThat(leaf.getAttribute("data-d")).isEqualTo("1");
        assertThat(leaf.getAttribute("data-n")).isEqualTo("40"); // both callers of leaf merged under it
        // kernel frames get the kernel hue; mem and io palettes differ from hot
        String kernel = rect(find(normal, "sys_read_[k]")).getAttribute("fill");
        String user = rect(find(normal, "a")).getAttribute("fill");
        assertThat(rgb(kernel)[2]).isLessThan(40); // orange: no blue
        assertThat(rgb(kernel)[1]).isGreaterThanOrEqualTo(150);
        assertThat(rgb(user)[0]).isGreaterThanOrEqualTo(205);
        assertThat(rgb(rect(find(svg(in, "--colors", "mem"), "a")).getAttribute("fill"))[0]).isZero();
        int[] io = rgb(rect(find(svg(in, "--colors", "io"), "a")).getAttribute("fill"));
        assertThat(io[2]).isGreaterThan(io[0]);
        int[] java = rgb(rect(find(svg(in, "--colors", "java"), "Ljava/lang/Thread")).getAttribute("fill"));
        assertThat(java[1]).isGreaterThan(java[0]);
    }

    @Test
    void namesInUtf8OrNotAndMarkupAreDrawnAsTheyAre() throws Exception {
        Path in = tmp.resolve("u.folded");
        byte[] latin1 = "main;caf\u00e9_old 7\n".getBytes(StandardCharsets.ISO_8859_1); // not UTF-8: one char per byte
        byte[] rest = ("main;\u8c03\u5ea6\u5668;\u5de5\u4f5c 20\nmain;a<b>&\"c\" 3\nmain;\ud83d\ude00 1\n").getBytes(StandardCharsets.UTF_8);
        Files.write(in, concat(latin1, rest));
        Document d = svg(in, "--count-name", "ticks<x>");
        assertThat(find(d, "\u8c03\u5ea6\u5668").getAttribute("data-n")).isEqualTo("20");
        assertThat(find(d, "\u5de5\u4f5c").getAttribute("data-d")).isEqualTo("3");
        assertThat(find(d, "caf\u00e9_old").getAttribute("data-n")).isEqualTo("7");
        assertThat(find(d, "a<b>&\"c\"").getAttribute("data-n")).isEqualTo("3");
        assertThat(find(d, "\ud83d\ude00").getAttribute("data-n")).isEqualTo("1");
        assertThat(find(d, "main").getElementsByTagNameNS("*", "title").item(0).getTextContent()).isEqualTo("main (31 ticks<x>, 100.00%)");
    }

    @Test
    void framesTooNarrowToDrawStillTakeTheirPlace() throws Exception {
        // 2,000 one-sample siblings sort between the two wide ones: under 0.1 px each, they are not drawn,
        // but "z_wide" starts after all of them
        StringBuilder b = new StringBuilder("main;a_wide 50000\n");
        for (int i = 0; i < 2000; i++) b.append("main;m").append(i).append(" 1\n");
        b.append("main;z_wide 50000\n");
        Path in = tmp.resolve("n.folded");
        Files.writeString(in, b);
        Document d = svg(in);
        assertThat(frames(d)).extracting(FlameGraphTest::name).containsExactly("all", "main", "a_wide", "z_wide");
        assertThat(find(d, "a_wide").getAttribute("data-s")).isEqualTo("0");
        assertThat(find(d, "z_wide").getAttribute("data-s")).isEqualTo("52000");
        assertThat(rect(find(d, "z_wide")).getAttribute("x")).isEqualTo(String.format(java.util.Locale.ROOT, "%.1f", 10 + 52000 * 1180.0 / 102000));
    }

    @Test
    void aStackLongerThanAMegabyteIsStillFoldedStacks() throws Exception {
        // the first line does not end within the first megabyte, where the kind of input is decided
        Path in = tmp.resolve("long.folded");
        String x = "x".repeat(700_000), y = "y".repeat(700_000);
        Files.writeString(in, "main;" + x + ";" + y + " 3\nmain;other 1\n");
        Document d = svg(in);
        assertThat(find(d, y).getAttribute("data-n")).isEqualTo("3");
        assertThat(find(d, y).getAttribute("data-d")).isEqualTo("3");
        assertThat(find(d, "other").getAttribute("data-n")).isEqualTo("1");
    }

    @Test
    void stacksThatAllCountZeroAreBadInput() throws Exception {
        Path zero = tmp.resolve("zero.folded");
        Files.writeString(zero, "a;b 0\na;c 0\n");
        Cli.Result svg = Cli.run("flame", "svg", zero.toString());
        assertThat(svg.exit()).isEqualTo(2);
        assertThat(svg.err()).contains(zero + ": every stack's count is 0; nothing to draw").doesNotContain("internal error");
        Path some = tmp.resolve("some.folded");
        Files.writeString(some, "a;b 3\n");
        Cli.Result diff = Cli.run("flame", "diff", some.toString(), zero.toString());
        assertThat(diff.exit()).isEqualTo(2);
        assertThat(diff.err()).contains(zero + ": every stack's count is 0");
        // a baseline of zeros is a comparison with nothing: drawn, every frame grew
        assertThat(Cli.run("flame", "diff", zero.toString(), some.toString()).exit()).isZero();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Document svg(Path in, String... opts) throws Exception {
        Path out = tmp.resolve("o" + System.nanoTime() + ".svg");
        List<String> args = new ArrayList<>(List.of("flame", "svg", in.toString(), "-o", out.toString()));
        args.addAll(List.of(opts));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return parse(out);
    }

    private static Element find(Document d, String name) {
        return frames(d).stream().filter(g -> name(g).equals(name)).findFirst().orElseThrow(() -> new AssertionError("no frame " + name));
    }

    private static int[] rgb(String fill) {
        Matcher m = Pattern.compile("rgb\\((\\d+),(\\d+),(\\d+)\\)").matcher(fill);
        assertThat(m.matches()).as(fill).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    @Test
    void differentialGraphIsRedWhereAFrameGrewAndBlueWhereItShrank() throws Exception {
        Path before = tmp.resolve("before.folded");
        Path after = tmp.resolve("after.folded");
        Files.writeString(before, "qemu;kvm_vcpu_ioctl;vmx_handle_exit 600\nqemu;kvm_vcpu_ioctl;kvm_io_bus_write 300\nqemu;main_loop 100\n");
        Files.writeString(after, "qemu;kvm_vcpu_ioctl;vmx_handle_exit 200\nqemu;kvm_vcpu_ioctl;kvm_io_bus_write 1500\nqemu;main_loop 300\n");
        Path out = tmp.resolve("diff.svg");
        Cli.Result r = Cli.run("flame", "diff", before.toString(), after.toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Document d = parse(out);
        // normalized: before scaled x2 (1000 -> 2000 samples): io_bus 600 -> 1500 grew, vmx_handle_exit 1200 -> 200 shrank
        int[] grew = rgb(rect(find(d, "kvm_io_bus_write")).getAttribute("fill"));
        int[] shrank = rgb(rect(find(d, "vmx_handle_exit")).getAttribute("fill"));
        assertThat(grew[0]).isEqualTo(255);
        assertThat(grew[1]).isLessThan(255);
        assertThat(shrank[2]).isEqualTo(255);
        assertThat(shrank[0]).isLessThan(255);
        assertThat(find(d, "vmx_handle_exit").getElementsByTagNameNS("*", "title").item(0).getTextContent()).contains("-50.00% of all vs before");
        assertThat(find(d, "kvm_io_bus_write").getAttribute("data-n")).isEqualTo("1500");
        assertThat(byId(d, "subtitle").getTextContent()).contains("red grew, blue shrank");
        // main_loop 200 -> 300 (+5%): lighter red than io_bus (+45%)
        assertThat(rgb(rect(find(d, "main_loop")).getAttribute("fill"))[1]).isGreaterThan(grew[1]);
    }

    @Test
    void badInputIsOneMessageAndNoFile() throws Exception {
        Path empty = tmp.resolve("empty");
        Files.write(empty, new byte[0]);
        Path out = tmp.resolve("x.svg");
        Cli.Result r = Cli.run("flame", "svg", empty.toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(empty + ": the file is empty");
        Path garbage = tmp.resolve("garbage");
        Files.write(garbage, new byte[] {0, 1, 2, (byte) 0xff, 10, 20, 30});
        r = Cli.run("flame", "svg", garbage.toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(garbage.toString()).doesNotContain("Exception");
        Path mixed = tmp.resolve("mixed.folded");
        Files.writeString(mixed, "a;b 10\nnot a stack line\na;c 5\n");
        r = Cli.run("flame", "svg", mixed.toString(), "-o", out.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains(mixed + ":2: not 'stack count'");
        r = Cli.run("flame", "svg", mixed.toString(), "--width", "10");
        assertThat(r.exit()).isEqualTo(2);
        r = Cli.run("flame", "diff", mixed.toString(), tmp.resolve("absent").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("absent: no such file");
        assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isZero();
    }

    // ---- the script in a real browser ----

    static Optional<String> chromium() {
        for (String c : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, c))) return Optional.of(Path.of(dir, c).toString());
            }
        }
        return Optional.empty();
    }

    /** Loads the graph with the harness in headless Chromium and returns the harness's findings and Chromium's log. */
    JsonNode runInChromium(Path svg, Element target, String term) throws Exception {
        String harness = Files.readString(Path.of("src/test/resources/flame/harness/check.js"));
        String s = Files.readString(svg);
        String inject = "<script type=\"text/ecmascript\"><![CDATA[\nvar TARGET = " + new ObjectMapper().writeValueAsString(Map.of("s", target.getAttribute("data-s"), "d", target.getAttribute("data-d")))
                + ", TERM = " + new ObjectMapper().writeValueAsString(term) + ";\n" + harness + "]]></script>\n</svg>\n";
        Path page = tmp.resolve("page.svg");
        Files.writeString(page, s.substring(0, s.lastIndexOf("</svg>")) + inject);
        Path log = tmp.resolve("chromium.log");
        Process p = new ProcessBuilder(chromium().orElseThrow(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + tmp.resolve("profile"), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
                page.toUri().toString()).redirectError(log.toFile()).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(dom, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<text id=\"test-result\">([^<]*)</text>").matcher(text);
        assertThat(m.find()).as("harness result in the DOM; chromium log:\n%s", Files.readString(log)).isTrue();
        String chromiumLog = Files.readString(log);
        assertThat(chromiumLog).as("script errors in Chromium's console").doesNotContain("Uncaught");
        String json = m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        return new ObjectMapper().readTree(json);
    }

    @Test
    void zoomSearchAndResetWorkInHeadlessChromium() throws Exception {
        Requires.command("chromium", "chromium");
        Path folded = tmp.resolve("f.folded");
        Files.writeString(folded, Cli.run("flame", "collapse", PERF.toString()).out());
        Path svg = tmp.resolve("f.svg");
        assertThat(Cli.run("flame", "svg", folded.toString(), "-o", svg.toString()).exit()).isZero();
        Document d = parse(svg);
        // the widest frame one level below the root's first child: zooming it fills the width
        Element target = frames(d).stream().filter(g -> g.getAttribute("data-d").equals("2"))
                .max((a, b) -> Long.compare(Long.parseLong(a.getAttribute("data-n")), Long.parseLong(b.getAttribute("data-n")))).orElseThrow();
        String term = "^(__x64_sys_|do_syscall)";
        JsonNode r = runInChromium(svg, target, term);
        assertThat(r.get("errors")).isEmpty();
        assertThat(r.get("target").asText()).isEqualTo(name(target));
        assertThat(r.get("details").asText()).startsWith("Function: " + name(target) + " (");
        assertThat(r.get("zoomedWidth").asDouble()).isEqualTo(1180.0);
        assertThat(r.get("zoomedX").asDouble()).isEqualTo(10.0);
        assertThat(r.get("hiddenAfterZoom").asInt()).isPositive();
        assertThat(r.get("parentsAfterZoom").asInt()).isEqualTo(2); // the root and the first level
        assertThat(r.get("unzoomVisible").asBoolean()).isTrue();
        assertThat(r.get("hiddenAfterReset").asInt()).isZero();
        assertThat(r.get("widthAfterReset").asDouble()).isEqualTo(Double.parseDouble(rect(target).getAttribute("width")));
        // the matched share: samples whose stack has a matching frame, counted once, over all samples
        Pattern p = Pattern.compile(term);
        long all = 0;
        long hit = 0;
        for (String line : Files.readAllLines(folded)) {
            long n = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            all += n;
            for (String f : line.substring(0, line.lastIndexOf(' ')).split(";")) {
                if (p.matcher(f).find()) {
                    hit += n;
                    break;
                }
            }
        }
        double expected = 100.0 * hit / all;
        assertThat(expected).isBetween(1.0, 99.0);
        assertThat(r.get("searchShare").asDouble()).isCloseTo(expected, org.assertj.core.data.Offset.offset(0.5));
        assertThat(r.get("matchedText").asText()).isEqualTo(String.format(java.util.Locale.ROOT, "Matched: %.1f%%", r.get("searchShare").asDouble()));
        assertThat(r.get("highlighted").asInt()).isPositive();
        assertThat(r.get("searchButton").asText()).isEqualTo("Reset Search");
        assertThat(r.get("highlightedAfterReset").asInt()).isZero();
        assertThat(r.get("badSearch").asInt()).isEqualTo(-1);
    }

    // ---- flame record: the real perf ----

    @Test
    void recordProfilesARealQemuWithPerf() throws Exception {
        Requires.command("perf", "linux-perf");
        Requires.machine(PerfRecorder.permissionProblem(PerfRecorder.paranoid(Path.of("/proc/sys/kernel/perf_event_paranoid")),
                new String(Files.readAllBytes(Path.of("/proc/self/status"))).contains("Uid:\t0\t")) == null, "perf_event_paranoid forbids profiling");
        try (Qemu q = Qemu.start(tmp, "fr1", List.of("-smp", "1", "-m", "64"))) {
            Path svg = tmp.resolve("vm.svg");
            Path folded = tmp.resolve("vm.folded");
            Cli.Result r = Cli.run("flame", "record", "--pid", Long.toString(q.pid()), "--duration", "2s", "-F", "499", "-o", svg.toString(),
                    "--folded", folded.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("recording pid " + q.pid() + " with perf (cpu-clock, 499 Hz");
            List<String> lines = Files.readAllLines(folded);
            assertThat(lines).isNotEmpty();
            // the QEMU threads are the stacks' roots (comm names, with debug-threads=on the vCPU is "CPU 0/KVM" or "CPU 0/TCG")
            assertThat(lines).anySatisfy(l -> assertThat(l).matches("^(qemu-system-x86|CPU 0/(KVM|TCG)|[^;]+);.* \\d+$"));
            Document d = parse(svg);
            assertThat(frames(d).size()).isGreaterThan(3);
            assertThat(byId(d, "subtitle").getTextContent()).isEqualTo("cpu-clock, 499 Hz, 2 s");
        }
    }

    @Test
    void recordSaysWhenPerfIsMissingOrForbidden() {
        Cli.Result r = Cli.run("flame", "record", "--pid", Long.toString(ProcessHandle.current().pid()), "--duration", "1s", "-o",
                tmp.resolve("x.svg").toString(), "--perf", "/nonexistent/perf");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("perf is not installed").contains("apt install linux-perf");
        assertThat(PerfRecorder.permissionProblem(Optional.of(2), false)).contains("kernel.perf_event_paranoid is 2")
                .contains("sysctl -w kernel.perf_event_paranoid=1");
        assertThat(PerfRecorder.permissionProblem(Optional.of(4), true)).isNull();
        assertThat(PerfRecorder.permissionProblem(Optional.of(1), false)).isNull();
        Cli.Result none = Cli.run("flame", "record", "--duration", "1s", "-o", tmp.resolve("x.svg").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--vm NAME or --pid PID");
        Cli.Result gone = Cli.run("flame", "record", "--pid", "999999999", "-o", tmp.resolve("x.svg").toString());
        assertThat(gone.exit()).isEqualTo(2);
        assertThat(gone.err()).contains("no process with pid 999999999");
    }

    @Test
    void foldedDetection() {
        assertThat(Folded.looksFolded("a;b;c 12\n".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Folded.looksFolded("\n\nswapper 0 [000] 1.0: 1 cpu-clock:\n\tffff foo (bar)\n".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Folded.looksFolded("# perf script header\n".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(new ByteArrayInputStream(new byte[0])).isNotNull();
    }
}
