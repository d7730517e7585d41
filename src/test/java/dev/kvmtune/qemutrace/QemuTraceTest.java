package dev.kvmtune.qemutrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.vm.qmp.QmpClient;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qemu-trace against the documented simple-trace layout, QEMU's own simpletrace.py (when a copy of
 * QEMU's scripts/ is at QEMU_SCRIPTS_DIR or /tmp/qemu-scripts; never committed) and a real QEMU's
 * log backend.
 */
class QemuTraceTest {
    static final Path EVENTS = Path.of("src/test/resources/qemutrace/trace-events");
    static final Path GOLDEN = Golden.resources().resolve("qemutrace/golden");

    @TempDir
    Path tmp;

    static List<TraceEvent> events() {
        return TraceEventsFile.read(EVENTS);
    }

    static Path scripts() {
        String env = System.getenv("QEMU_SCRIPTS_DIR");
        Path d = Path.of(env != null ? env : "/tmp/qemu-scripts");
        return Files.isRegularFile(d.resolve("simpletrace.py")) && Files.isRegularFile(d.resolve("tracetool/__init__.py")) ? d : null;
    }

    /** A v4 trace over the fixture's events: mappings with scattered ids, a remap, a dropped record, odd timestamps. */
    static byte[] randomV4(long seed, int n) {
        Random rnd = new Random(seed);
        List<TraceEvent> ev = events();
        SimpleTraceWriter w = new SimpleTraceWriter(4, true);
        long[] ids = new long[ev.size()];
        for (int i = 0; i < ev.size(); i++) {
            ids[i] = 7 + 3L * i;
            w.mapping(ids[i], ev.get(i).name());
        }
        long ts = 1_000_000_000L + rnd.nextInt(1000);
        for (int k = 0; k < n; k++) {
            int i = rnd.nextInt(ev.size());
            if (k == n / 2) {
                ids[i] = 5000 + i;
                w.mapping(ids[i], ev.get(i).name());
            }
            int step = rnd.nextInt(10);
            ts += step < 6 ? rnd.nextInt(5000) : step < 8 ? rnd.nextInt(50_000_000) : step == 8 ? -rnd.nextInt(3000) : 0;
            if (k == n / 3) w.dropped(ts, 4242, 17);
            w.event(ids[i], ts, 4242 + rnd.nextInt(3), SimpleTraceWriter.randomArgs(ev.get(i), rnd));
        }
        return w.bytes();
    }

    private String python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", scripts().resolve("simpletrace.py").toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("simpletrace.py exit").isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void v4TraceIsPrintedAsSimpletracePyPrintsIt() throws Exception {
        Path f = tmp.resolve("trace-4242");
        Files.write(f, randomV4(1, 3000));
        Cli.Result r = Cli.run("qemu-trace", EVENTS.toString(), f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Dropped_Event ").contains(" num_events_dropped=0x11").contains("=b'");
        assertThat(r.out().lines().count()).isEqualTo(3001);
        Golden.check(GOLDEN.resolve("v4-random.txt"), r.out());
        if (scripts() != null) assertThat(r.out()).isEqualTo(python(EVENTS.toString(), f.toString()));
    }

    @Test
    void manySeedsAgreeWithSimpletracePy() throws Exception {
        Requires.reference(scripts() != null, "QEMU_SCRIPTS_DIR", "QEMU's scripts/ (simpletrace.py, tracetool) from a QEMU source tree");
        for (long seed = 2; seed < 12; seed++) {
            Path f = tmp.resolve("t" + seed);
            Files.write(f, randomV4(seed, 400));
            assertThat(Cli.run("qemu-trace", EVENTS.toString(), f.toString()).out()).as("seed %d", seed)
                    .isEqualTo(python(EVENTS.toString(), f.toString()));
        }
    }

    @Test
    void noHeaderDumpNumbersEventsInFileOrder() throws Exception {
        List<TraceEvent> ev = events();
        SimpleTraceWriter w = new SimpleTraceWriter(4, false);
        Random rnd = new Random(5);
        long ts = 10_000;
        for (int k = 0; k < 200; k++) {
            int i = rnd.nextInt(ev.size());
            w.event(i, ts += rnd.nextInt(100_000), 77, SimpleTraceWriter.randomArgs(ev.get(i), rnd));
        }
        Path f = tmp.resolve("dump");
        Files.write(f, w.bytes());
        Cli.Result r = Cli.run("qemu-trace", "--no-header", EVENTS.toString(), f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().count()).isEqualTo(200);
        if (scripts() != null) assertThat(r.out()).isEqualTo(python("--no-header", EVENTS.toString(), f.toString()));
    }

    @Test
    void version2FilesNumberEnabledEventsAndHaveNoPid() throws IOException {
        List<TraceEvent> ev = events();
        List<TraceEvent> enabled = ev.stream().filter(e -> !e.disabled()).toList();
        int shutdown = indexOf(enabled, "qemu_system_shutdown_request");
        int migrate = indexOf(enabled, "migrate_set_state");
        assertThat(shutdown).isLessThan(ev.size() - 1); // a disabled event comes before it in the file
        byte[] b = new SimpleTraceWriter(2, true)
                .event(shutdown, 5_000_000, 0, 3L)
                .event(migrate, 5_001_500, 0, "active".getBytes(StandardCharsets.UTF_8))
                .dropped(5_004_000, 0, 2)
                .bytes();
        Path f = write("v2", b);
        Cli.Result r = Cli.run("qemu-trace", EVENTS.toString(), f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                qemu_system_shutdown_request 0.000 reason=0x3
                migrate_set_state 1.500 new_state=active
                Dropped_Event 2.500 num_events_dropped=0x2
                """);
    }

    @Test
    void recordsLongerThanTheirNumbersSuggestCrossBufferEnds() throws Exception {
        StringBuilder def = new StringBuilder("an_event_with_a_rather_long_name_for_buffer_edges(");
        StringBuilder line = new StringBuilder("an_event_with_a_rather_long_name_for_buffer_edges 0.000 pid=1");
        for (int i = 0; i < 10; i++) {
            def.append(i == 0 ? "" : ", ").append("const char *argument_with_a_long_descriptive_name_").append(i);
            line.append(" argument_with_a_long_descriptive_name_").append(i).append("=b''");
        }
        Path events = write("long-events", (def + ") \"x\"\n").getBytes(StandardCharsets.UTF_8));
        SimpleTraceWriter w = new SimpleTraceWriter(4, true).mapping(0, "an_event_with_a_rather_long_name_for_buffer_edges");
        Object[] empty = new Object[10];
        Arrays.fill(empty, new byte[0]);
        for (int k = 0; k < 2000; k++) w.event(0, 1000, 1, empty);
        Cli.Result r = Cli.run("qemu-trace", events.toString(), write("long", w.bytes()).toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo((line + "\n").repeat(2000));
    }

    @Test
    void realTraceEventsAllIsRead() throws Exception {
        Path all = Requires.file(Path.of("/usr/share/qemu/trace-events-all"), "qemu-system-common");
        List<TraceEvent> ev = TraceEventsFile.read(all);
        assertThat(ev.size()).isGreaterThan(1000);
        TraceEvent discard = ev.stream().filter(e -> e.name().equals("ram_block_discard_range")).findFirst().orElseThrow();
        assertThat(discard.args()).extracting(TraceEvent.Arg::name).containsExactly("rbname", "hva", "length", "need_madvise", "need_fallocate", "ret");
        assertThat(discard.args().get(0).isString()).isTrue();
        assertThat(discard.args().get(1).isString()).isFalse();
        assertThat(ev.stream().filter(TraceEvent::disabled).count()).isPositive();
        if (scripts() != null) {
            Process p = new ProcessBuilder("python3", "-c", "import sys; sys.path.insert(0, sys.argv[1]); from tracetool import read_events; "
                    + "ev = read_events(open(sys.argv[2]), 'x'); print(len(ev), sum(len(e.args) for e in ev), sum(1 for e in ev if 'disable' in e.properties))",
                    scripts().toString(), all.toString()).start();
            String py = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            assertThat(ev.size() + " " + ev.stream().mapToInt(e -> e.args().size()).sum() + " " + ev.stream().filter(TraceEvent::disabled).count())
                    .isEqualTo(py);
        }
    }

    @Test
    void statsPairStartAndEndPerPid() throws IOException {
        List<TraceEvent> ev = events();
        int start = indexOf(ev, "savevm_section_start");
        int end = indexOf(ev, "savevm_section_end");
        int write = indexOf(ev, "virtio_blk_handle_write");
        int done = indexOf(ev, "virtio_blk_req_complete");
        byte[] id = "ram".getBytes(StandardCharsets.UTF_8);
        SimpleTraceWriter w = new SimpleTraceWriter(4, true);
        for (TraceEvent e : ev) w.mapping(ev.indexOf(e), e.name());
        long t = 1_000_000;
        for (int k = 1; k <= 100; k++) {
            w.event(start, t, 10, id, 1L);
            w.event(start, t + 10, 11, id, 2L); // another pid, interleaved
            w.event(end, t + k * 1000L, 10, id, 1L, 0L);
            w.event(end, t + 10 + 500, 11, id, 2L, 0L);
            w.event(write, t, 10, 1L, 2L, 3L, 8L);
            w.event(done, t + 20_000, 10, 1L, 2L, 0L);
            t += 1_000_000;
        }
        w.event(end, t, 12, id, 1L, 0L); // no start on pid 12
        Path f = write("pairs", w.bytes());
        Cli.Result r = Cli.run("qemu-trace", "--stats", "--pair", "virtio_blk_handle_write,virtio_blk_req_complete", "--format", "json",
                EVENTS.toString(), f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"format\" : \"simple v4\"").contains("\"records\" : 601");
        Cli.Result text = Cli.run("qemu-trace", "--stats", "--pair", "virtio_blk_handle_write,virtio_blk_req_complete", EVENTS.toString(), f.toString());
        // savevm pairs: pid 10 waits k*1000 ns (k = 1..100), pid 11 always 500 ns → 200 latencies, nearest-rank p90 = 180th = 80 µs
        assertThat(text.out()).containsPattern("savevm_section_start -> savevm_section_end +200 +0\\.500 +0\\.500 +80\\.000 +98\\.000 +100\\.000 +25\\.500 +1\\n")
                .containsPattern("virtio_blk_handle_write -> virtio_blk_req_complete +100 +20\\.000 +20\\.000 +20\\.000 +20\\.000 +20\\.000 +20\\.000 +0\\n")
                .containsPattern("savevm_section_start +200 ");
    }

    @Test
    void realQemuLogBackendTraceOfQmpCommands() throws Exception {
        Path log = tmp.resolve("qmp.log");
        try (Qemu q = Qemu.start(tmp, "qt1", List.of("-msg", "timestamp=on", "-trace", "enable=qmp_*,file=" + log))) {
            try (QmpClient c = QmpClient.connect(q.qmp(), Duration.ofSeconds(10))) {
                for (int i = 0; i < 5; i++) c.execute("query-status", Map.of(), Duration.ofSeconds(10));
                c.execute("query-version", Map.of(), Duration.ofSeconds(10));
            }
        }
        String text = Files.readString(log);
        assertThat(text).containsPattern("(?m)^\\d+@\\d+\\.\\d{6}:qmp_enter_query_status \\{\\}$");
        Cli.Result r = Cli.run("qemu-trace", log.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^qmp_enter_query_status \\d+\\.\\d{3} pid=\\d+ \\{\\}$")
                .containsPattern("(?m)^qmp_exit_query_status \\d+\\.\\d{3} pid=\\d+ \\{\"status\": \"[a-z-]+\".*\\} 1$");
        Cli.Result s = Cli.run("qemu-trace", "--stats", "--format", "json", log.toString());
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(s.out()).containsPattern("\"start\" : \"qmp_enter_query_status\",\\s+\"end\" : \"qmp_exit_query_status\",\\s+\"count\" : 5,");
        Cli.Result st = Cli.run("qemu-trace", "--stats", EVENTS.toString(), log.toString());
        assertThat(st.exit()).as(st.err()).isEqualTo(2); // the fixture's events do not include qmp_enter_*: no trace line
        assertThat(st.err()).contains("no trace lines");
        Path all = Path.of("/usr/share/qemu/trace-events-all");
        if (Files.exists(all)) {
            Cli.Result named = Cli.run("qemu-trace", "--stats", all.toString(), log.toString());
            assertThat(named.out()).containsPattern("qmp_enter_query_status +5 ");
        }
    }

    @Test
    void aCutFileEndsWithOneMessageAfterTheWholeRecords() throws Exception {
        byte[] full = randomV4(3, 40);
        Path whole = write("whole", full);
        String all = Cli.run("qemu-trace", EVENTS.toString(), whole.toString()).out();
        for (int cut = 0; cut < full.length; cut += 7) {
            Path f = write("cut", Arrays.copyOf(full, cut));
            Cli.Result r = Cli.run("qemu-trace", EVENTS.toString(), f.toString());
            assertThat(r.exit()).as("cut at %d: %s", cut, r.err()).isIn(0, 2);
            assertThat(all).startsWith(r.out());
            if (r.exit() == 2) assertThat(r.err()).startsWith("kvmtune: " + f + ": ").doesNotContain("Exception").hasLineCount(1);
        }
    }

    @Test
    void badInputNamesTheFile() throws Exception {
        byte[] v4 = randomV4(4, 10);
        Path garbage = write("garbage", "hello world\u0000\u0001".getBytes(StandardCharsets.ISO_8859_1));
        assertBad(Cli.run("qemu-trace", EVENTS.toString(), garbage.toString()), "no trace lines");
        byte[] magic = v4.clone();
        magic[9] ^= 1;
        assertBad(Cli.run("qemu-trace", EVENTS.toString(), write("magic", magic).toString()), "not a QEMU simple trace file");
        byte[] ver = v4.clone();
        ver[16] = 9;
        assertBad(Cli.run("qemu-trace", EVENTS.toString(), write("ver", ver).toString()), "log version 9 is not supported");
        // the events file of another build: an argument less than the trace has
        Path other = write("other-events", Files.readString(EVENTS).replace("cpu_in(unsigned int addr, char size, unsigned int val)",
                "cpu_in(unsigned int addr, unsigned int val)").replace("migrate_set_state(const char *new_state)", "migrate_set_state(int new_state)")
                .getBytes(StandardCharsets.UTF_8));
        Cli.Result r = Cli.run("qemu-trace", other.toString(), write("t", v4).toString());
        assertBad(r, "do not fill; the trace-events file is not the one");
        Path missing = write("missing-events", "kvm_run_exit(int cpu_index, uint32_t reason) \"x\"\n".getBytes(StandardCharsets.UTF_8));
        assertBad(Cli.run("qemu-trace", missing.toString(), write("t2", v4).toString()), "is not declared in the trace-events files given");
        Path badLine = write("bad-events", "ok_event(int a) \"%d\"\n\nthis is ( not an event\n".getBytes(StandardCharsets.UTF_8));
        assertBad(Cli.run("qemu-trace", badLine.toString(), write("t3", v4).toString()), badLine + ":3: not a trace event");
        Path noName = write("noname-events", "ev(int) \"%d\"\n".getBytes(StandardCharsets.UTF_8));
        assertBad(Cli.run("qemu-trace", noName.toString(), write("t4", v4).toString()), noName + ":1: argument 'int' has a type but no name");
        assertBad(Cli.run("qemu-trace", EVENTS.toString(), tmp.resolve("absent").toString()), "no such file");
        SimpleTraceWriter unmapped = new SimpleTraceWriter(4, true).event(99, 1, 1);
        assertBad(Cli.run("qemu-trace", EVENTS.toString(), write("unmapped", unmapped.bytes()).toString()), "event id 99 has no mapping record");
    }

    private void assertBad(Cli.Result r, String message) {
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("Exception").startsWith("kvmtune: ");
    }

    @Test
    void readerThrowsOnlyBadInputOnCorruptedFiles() throws Exception {
        List<TraceEvent> ev = events();
        byte[] base = randomV4(6, 60);
        Random rnd = new Random(6);
        for (int t = 0; t < 600; t++) {
            byte[] b = base.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int i = 0; i < flips; i++) b[24 + rnd.nextInt(b.length - 24)] = (byte) rnd.nextInt(256);
            if (rnd.nextBoolean()) b = Arrays.copyOf(b, rnd.nextInt(b.length));
            try {
                new SimpleTraceReader(ev, false).read(new java.io.ByteArrayInputStream(b), "fuzz", r -> { });
            } catch (BadInputException e) {
                assertThat(e.getMessage()).startsWith("fuzz: ");
            }
        }
    }

    private static int indexOf(List<TraceEvent> ev, String name) {
        for (int i = 0; i < ev.size(); i++) if (ev.get(i).name().equals(name)) return i;
        throw new AssertionError(name);
    }

    private Path write(String name, byte[] b) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, b);
        return f;
    }
}
