package dev.kvmtune.flame;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.Requires;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.junit.jupiter.api.Test;

/**
 * Collapse against FlameGraph's stackcollapse-perf.pl: golden output for perf runs made on this
 * machine, and, where a FlameGraph checkout is present (FLAMEGRAPH_DIR, default /tmp/FlameGraph;
 * never part of this repository), byte-for-byte comparison with the script run by perl on those
 * runs and on the checkout's own test inputs, for every option.
 */
class PerfCollapseTest {
    static final Path FIXTURES = Path.of("src/test/resources/flame");
    static final List<String[]> OPTIONS = List.of(new String[0], new String[] {"--pid"}, new String[] {"--tid"}, new String[] {"--kernel"},
            new String[] {"--jit"}, new String[] {"--all"}, new String[] {"--addrs"}, new String[] {"--event-filter", "task-clock"},
            new String[] {"--tid", "--all", "--addrs"});

    static byte[] collapse(byte[] input, PerfCollapse.Options o, List<String> warnings) throws IOException {
        PerfCollapse c = new PerfCollapse(o, warnings::add);
        c.read(new ByteArrayInputStream(input), "test");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.write(out);
        return out.toByteArray();
    }

    static PerfCollapse.Options options(String... args) {
        List<String> a = List.of(args);
        int ef = a.indexOf("--event-filter");
        boolean all = a.contains("--all");
        return new PerfCollapse.Options(a.contains("--pid"), a.contains("--tid"), all || a.contains("--kernel"), all || a.contains("--jit"),
                a.contains("--addrs"), ef >= 0 ? a.get(ef + 1) : null);
    }

    @Test
    void goldenFoldedStacksOfRealPerfRuns() throws IOException {
        for (String f : List.of("perf-system-cpu-clock", "perf-jvm-two-events-pidtid")) {
            byte[] in = Files.readAllBytes(FIXTURES.resolve(f + ".txt"));
            List<String> w = new ArrayList<>();
            String out = new String(collapse(in, PerfCollapse.Options.defaults(), w), StandardCharsets.ISO_8859_1);
            Golden.check(Golden.resources().resolve("flame/golden/" + f + ".folded"), out);
            String all = new String(collapse(in, options("--tid", "--all"), w), StandardCharsets.ISO_8859_1);
            Golden.check(Golden.resources().resolve("flame/golden/" + f + "-tid-all.folded"), all);
        }
        List<String> w = new ArrayList<>();
        collapse(Files.readAllBytes(FIXTURES.resolve("perf-jvm-two-events-pidtid.txt")), PerfCollapse.Options.defaults(), w);
        assertThat(w).containsExactly("Filtering for events of type: task-clock");
    }

    @Test
    void sameBytesAsStackcollapsePerfPl() throws Exception {
        Path fg = Path.of(System.getenv().getOrDefault("FLAMEGRAPH_DIR", "/tmp/FlameGraph"));
        Path script = fg.resolve("stackcollapse-perf.pl");
        Requires.reference(Files.isRegularFile(script), "FLAMEGRAPH_DIR", "FlameGraph checkout at " + fg);
        List<Path> inputs = new ArrayList<>();
        try (var s = Files.list(FIXTURES)) {
            s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(inputs::add);
        }
        if (Files.isDirectory(fg.resolve("test"))) {
            try (var s = Files.list(fg.resolve("test"))) {
                s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(inputs::add);
            }
        }
        int compared = 0;
        for (Path in : inputs) {
            byte[] bytes = Files.readAllBytes(in);
            for (String[] opts : OPTIONS) {
                List<String> cmd = new ArrayList<>(List.of("perl", script.toString()));
                for (int i = 0; i < opts.length; i++) cmd.add(opts[i].equals("--event-filter") ? "--event-filter=" + opts[++i] : opts[i]);
                cmd.add(in.toString());
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                byte[] expected = p.getInputStream().readAllBytes();
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(collapse(bytes, options(opts), new ArrayList<>()), StandardCharsets.ISO_8859_1))
                        .as("%s %s", in, String.join(" ", opts)).isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(2 * OPTIONS.size());
    }

    /** Real perf text cut and corrupted at random, with random options: the same bytes as the script (where perl and a checkout exist). */
    @Property(tries = 150)
    @AddLifecycleHook(NeedsFlameGraph.class)
    void corruptedInputsStillMatchTheScript(@ForAll @IntRange(min = 0, max = 6000) int cut, @ForAll @IntRange(min = 0, max = 6000) int at,
                                            @ForAll("junk") String junk, @ForAll @IntRange(min = 0, max = 8) int opt) throws Exception {
        Path script = Path.of(System.getenv().getOrDefault("FLAMEGRAPH_DIR", "/tmp/FlameGraph")).resolve("stackcollapse-perf.pl");
        byte[] all = Files.readAllBytes(FIXTURES.resolve("perf-jvm-two-events-pidtid.txt"));
        String text = new String(all, 0, Math.min(all.length, 6000 + cut), StandardCharsets.ISO_8859_1);
        int pos = Math.min(at, text.length());
        byte[] input = (text.substring(0, pos) + junk + text.substring(pos)).getBytes(StandardCharsets.ISO_8859_1);
        String[] opts = OPTIONS.get(opt);
        List<String> cmd = new ArrayList<>(List.of("perl", script.toString()));
        for (int i = 0; i < opts.length; i++) cmd.add(opts[i].equals("--event-filter") ? "--event-filter=" + opts[++i] : opts[i]);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var in = p.getOutputStream()) {
            in.write(input);
        }
        byte[] expected = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(collapse(input, options(opts), new ArrayList<>()), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> junk() {
        return net.jqwik.api.Arbitraries.oneOf(
                net.jqwik.api.Arbitraries.strings().withChars(" \t\r\n()[];:-/0123456789abcdefLjava\"'\u0085\u00e9").ofMaxLength(20),
                net.jqwik.api.Arbitraries.of("\n\n", "\njava 1/2 3.0: 7 cpu-clock:\n", "\n\tdeadbeef f->g+0x1 (/tmp/perf-9.map)\n",
                        "\n\t1 [unknown] ([unknown])\n", "\n0 0 0\n", "\nx 1 2.0: 00 cpu-clock:\n", "\nkworker/u8:2 7 [1] 9.5: 0 task-clock: \n", "\n\tabc (mod)\n", " (x)", "+0x1f", "\r", "\u0085"));
    }

    /** However the input arrives in pieces, the output is the same bytes. */
    @Property(tries = 50)
    void chunkingDoesNotChangeTheOutput(@ForAll @IntRange(min = 1, max = 5000) int maxRead, @ForAll long seed) throws IOException {
        byte[] in = Files.readAllBytes(FIXTURES.resolve("perf-jvm-two-events-pidtid.txt"));
        byte[] whole = collapse(in, PerfCollapse.Options.defaults(), new ArrayList<>());
        Random rnd = new Random(seed);
        InputStream dribble = new ByteArrayInputStream(in) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + rnd.nextInt(maxRead)));
            }
        };
        PerfCollapse c = new PerfCollapse(PerfCollapse.Options.defaults(), w -> { });
        c.read(dribble, "test");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.write(out);
        assertThat(out.toByteArray()).isEqualTo(whole);
    }

    @Test
    void cliReadsAFileAndRefusesAMissingOne(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Cli.Result r = Cli.run("flame", "collapse", FIXTURES.resolve("perf-system-cpu-clock.txt").toString(), "--kernel");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("_[k] ").endsWith("\n");
        Cli.Result missing = Cli.run("flame", "collapse", tmp.resolve("none.txt").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("none.txt: no such file");
        Path junk = tmp.resolve("junk.txt");
        Files.writeString(junk, "not perf\n\tat all\n");
        Cli.Result j = Cli.run("flame", "collapse", junk.toString());
        assertThat(j.exit()).isZero();
        assertThat(j.out()).isEmpty();
        assertThat(j.err()).contains("Unrecognized line 1: not perf").contains("2 lines not understood");
        // a long line is quoted in part: one line on the terminal, not a megabyte
        Files.writeString(junk, "not perf " + "z".repeat(100_000) + "\n");
        Cli.Result longLine = Cli.run("flame", "collapse", junk.toString());
        assertThat(longLine.exit()).isZero();
        assertThat(longLine.err()).contains("Unrecognized line 1: not perf zzz").contains("... (100009 bytes)");
        assertThat(longLine.err().lines()).allSatisfy(l -> assertThat(l.length()).isLessThan(400));
    }

    /** -j N: the same bytes and the same warnings as one thread, on real and corrupted inputs, with every option set. */
    @Property(tries = 120)
    void parallelParsingGivesTheSameOutputAndWarnings(@ForAll @IntRange(min = 0, max = 1) int fixture, @ForAll @IntRange(min = 0, max = 60000) int at,
                                                      @ForAll("junk") String junk, @ForAll @IntRange(min = 0, max = 8) int opt,
                                                      @ForAll @IntRange(min = 2, max = 9) int jobs) throws Exception {
        byte[] all = Files.readAllBytes(FIXTURES.resolve(fixture == 0 ? "perf-jvm-two-events-pidtid.txt" : "perf-system-cpu-clock.txt"));
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int pos = Math.min(at, text.length());
        byte[] input = (text.substring(0, pos) + junk + text.substring(pos)).getBytes(StandardCharsets.ISO_8859_1);
        Path f = Files.createTempFile("kvmtune-par", ".txt");
        try {
            Files.write(f, input);
            List<String> args = new ArrayList<>(List.of("flame", "collapse", f.toString()));
            args.addAll(List.of(OPTIONS.get(opt)));
            Cli.Result one = Cli.run(args.toArray(String[]::new));
            args.addAll(List.of("-j", Integer.toString(jobs)));
            Cli.Result par = Cli.run(args.toArray(String[]::new));
            assertThat(par.exit()).isEqualTo(one.exit());
            assertThat(par.out()).isEqualTo(one.out());
            assertThat(par.err()).isEqualTo(one.err());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void partsEndAfterBlankLines(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("p.txt");
        Files.write(f, Files.readAllBytes(FIXTURES.resolve("perf-system-cpu-clock.txt")));
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            List<long[]> parts = ParallelCollapse.split(ch, ch.size(), 5);
            assertThat(parts).hasSize(5);
            byte[] b = Files.readAllBytes(f);
            long prev = 0;
            for (long[] p : parts) {
                assertThat(p[0]).isEqualTo(prev);
                if (p[1] < b.length) assertThat(new String(b, (int) p[1] - 2, 2, StandardCharsets.ISO_8859_1)).isEqualTo("\n\n");
                prev = p[1];
            }
            assertThat(prev).isEqualTo(b.length);
        }
    }

    /** A property skips as a whole (jqwik counts an aborted try as a rejected one, and all rejected is a failure). */
    static final class NeedsFlameGraph implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            Path script = Path.of(System.getenv().getOrDefault("FLAMEGRAPH_DIR", "/tmp/FlameGraph")).resolve("stackcollapse-perf.pl");
            return Files.isRegularFile(script) ? SkipResult.doNotSkip()
                    : SkipResult.skip("no FlameGraph checkout at " + script.getParent() + " (not packaged; set FLAMEGRAPH_DIR to compare against it)");
        }
    }
}
