package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads a file, run as the user would run it (a JVM of its own with a small heap),
 * against a corpus of bad inputs: empty, random bytes, a truncated real file, a directory, a FIFO, a
 * sparse 2 GB file, an unreadable file, 1 MB lines, bytes that are not UTF-8, terminal escapes, and a
 * link to /dev/zero. Each run must end within a bound with the README's exit codes, say what is wrong
 * in lines that start with "kvmtune: " (the last naming the file when it refuses it), print no stack
 * trace and no control byte, and change nothing but its named output.
 *
 * <p>A new command joins by being listed in {@link #READERS} (or in {@link #NO_INPUT_FILE} with the
 * reason); {@link #everyCommandIsListed} fails until it is.
 */
class MisuseTest {
    private static final Path RES = Golden.resources().toAbsolutePath();
    private static final Path LATENCY = RES.resolve("latency/rt-tests-2.40-q-h30-2threads.txt");
    private static final Path EXITS = RES.resolve("exits/seed001/nic-e1000.stp");
    private static final Path PERF = RES.resolve("flame/perf-system-cpu-clock.txt");
    private static final Path EVENTS = Path.of("src/test/resources/qemutrace/trace-events").toAbsolutePath();
    private static final Path XML = RES.resolve("dev/kvmtune/libvirt/rt1.xml");
    private static final Path SNAPSHOT = RES.resolve("roots/nested-kvm-2cpu/snapshot.tar.gz");
    private static final Path PLAN = RES.resolve("roots/nested-kvm-2cpu/plan/plan.json");
    private static final long SECONDS = 60;

    /** Where a run stands: the bad input, an empty working directory, and a named output inside it. */
    record Run(Path input, Path work, Path out) {
    }

    /** A command that reads a file: its arguments around the bad input, and a real input of its kind to cut short. */
    record Reader(String name, Path real, Function<Run, List<String>> args) {
    }

    static final List<Reader> READERS = List.of(
            new Reader("facts --snapshot", SNAPSHOT, r -> List.of("facts", "--snapshot", s(r.input()))),
            new Reader("audit --snapshot", SNAPSHOT, r -> List.of("audit", "--snapshot", s(r.input()))),
            new Reader("mem --snapshot", SNAPSHOT, r -> List.of("mem", "--snapshot", s(r.input()))),
            new Reader("audit --profile", Path.of("src/main/resources/dev/kvmtune/profiles/virtual-host.yaml").toAbsolutePath(),
                    r -> List.of("audit", "--root", s(r.work()), "--profile", s(r.input()))),
            new Reader("plan --xml", XML, r -> List.of("plan", "--snapshot", s(SNAPSHOT), "--vm", "name=rt1,vcpus=1,memory=1G", "--xml", "rt1=" + r.input())),
            new Reader("vms --xml", XML, r -> List.of("vms", "--root", s(r.work()), "--xml", s(r.input()))),
            new Reader("threads --xml", XML, r -> List.of("threads", "--root", s(r.work()), "--xml", s(r.input()))),
            new Reader("apply", PLAN, r -> List.of("apply", s(r.input()), "--root", s(r.work()), "--journal-dir", s(r.work().resolve("j")))),
            new Reader("rollback", PLAN, r -> List.of("rollback", s(r.input()), "--root", s(r.work()), "--journal-dir", s(r.work().resolve("j")))),
            new Reader("latency report", LATENCY, r -> List.of("latency", "report", s(r.input()))),
            // the textfile goes to j/, which the check leaves out as it does journals
            new Reader("exporter --latency", RES.resolve("report/bundle-spin/latency.json"), r -> List.of("exporter", "--snapshot", s(SNAPSHOT),
                    "--once", "--textfile", s(mkdirs(r.work().resolve("j"))), "--latency", s(r.input()))),
            // a bundle is a directory; its damaged parts are in ReportBundleTest and the bundle fuzz target
            new Reader("report", RES.resolve("report/bundle-spin/manifest.json"), r -> List.of("report", s(r.input()), "-o", s(r.out()))),
            new Reader("latency diff", LATENCY, r -> List.of("latency", "diff", s(LATENCY), s(r.input()), "-o", s(r.out()))),
            new Reader("exits report", EXITS, r -> List.of("exits", "report", s(r.input()))),
            new Reader("exits diff", EXITS, r -> List.of("exits", "diff", s(EXITS), s(r.input()), "-o", s(r.out()))),
            new Reader("flame collapse", PERF, r -> List.of("flame", "collapse", s(r.input()))),
            new Reader("flame svg", PERF, r -> List.of("flame", "svg", s(r.input()), "-o", s(r.out()))),
            new Reader("flame diff", PERF, r -> List.of("flame", "diff", s(PERF), s(r.input()), "-o", s(r.out()))),
            new Reader("qemu-trace EVENTS", EVENTS, r -> List.of("qemu-trace", s(r.input()), s(MisuseTest.corpus.resolve("good.log")))),
            new Reader("qemu-trace TRACE", RES.resolve("qemutrace/golden/v4-random.txt"), r -> List.of("qemu-trace", s(EVENTS), s(r.input()))),
            new Reader("qcow2", null, r -> List.of("qcow2", s(r.input()))));

    /** Commands with no input file to corrupt: they measure the live host, and take only option values. */
    static final Map<String, String> NO_INPUT_FILE = Map.of(
            "capture", "writes; its -o is in outputsAreRegularFilesOnly",
            "latency run", "runs cyclictest on the live host",
            "latency trace", "runs an ftrace tracer on the live host",
            "ticks", "samples the live /proc/interrupts",
            "exits record", "records a running VM",
            "flame record", "profiles a running process",
            "measure", "measures the live host into a new directory; its refusals are in ReportBundleTest");

    @TempDir
    static Path corpus;

    private static final Map<String, Path> BAD = new TreeMap<>();
    private static final List<Thread> FIFO_WRITERS = new ArrayList<>();

    static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String s(Path p) {
        return p.toString();
    }

    @BeforeAll
    static void corpus() throws IOException {
        Files.setPosixFilePermissions(corpus, PosixFilePermissions.fromString("rwxr-xr-x"));
        Random rnd = new Random(20);
        BAD.put("empty", Files.createFile(corpus.resolve("empty")));
        byte[] random = new byte[64 << 10];
        rnd.nextBytes(random);
        BAD.put("random", Files.write(corpus.resolve("random"), random));
        BAD.put("directory", Files.createDirectory(corpus.resolve("directory")));
        Path sparse = corpus.resolve("sparse-2g");
        try (var ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}), (2L << 30) - 1);
        }
        BAD.put("sparse 2 GB", sparse);
        Path unreadable = Files.writeString(corpus.resolve("unreadable"), "kernel.x = 1\n");
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        BAD.put("unreadable", unreadable);
        StringBuilder longLines = new StringBuilder();
        for (int i = 0; i < 3; i++) longLines.append("x".repeat(1 << 20)).append('\n');
        BAD.put("1 MB lines", Files.writeString(corpus.resolve("long-lines"), longLines));
        BAD.put("not UTF-8", Files.write(corpus.resolve("latin1"), "r\u00e9sum\u00e9 \u00ff\u00fe line\n<domain>\u00e9</domain>\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        BAD.put("control bytes", Files.writeString(corpus.resolve("escapes"),
                "\u001b]0;pwned\u0007 title\n\u001b[2J\u001b[31mred \u0008\u0008 \u0000 nul\n  cpu-clock: \u001b[1m\n"));
        BAD.put("link to /dev/zero", Files.createSymbolicLink(corpus.resolve("zero"), Path.of("/dev/zero")));
        Files.writeString(corpus.resolve("good.log"), "4242@1700000000.000001:qmp_job_cancel job 0x1\n");
    }

    /** A FIFO with a writer that sends some bytes and closes, as a pipe from another program would. */
    static Path fifo(Path dir) throws IOException, InterruptedException {
        Path f = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", f.toString()).start();
        assertThat(p.waitFor()).isZero();
        Thread t = new Thread(() -> {
            try (OutputStream o = Files.newOutputStream(f)) {
                o.write("garbage\u001b]0;x\u0007 from a pipe\n".repeat(100).getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the reader refused to open or read it: that is allowed
            }
        }, "fifo-writer");
        t.setDaemon(true);
        t.start();
        FIFO_WRITERS.add(t);
        return f;
    }

    record Result(int exit, String out, String err, boolean finished) {
    }

    /** Runs the CLI in a JVM of its own, capped at 256 MB of heap, in {@code work}; without root's file-reading capabilities when {@code asNobody}. */
    static Result run(List<String> args, Path work, boolean asNobody) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        // root without the capabilities that let it read any file: a mode-000 file is then unreadable to it too
        if (asNobody) cmd.addAll(List.of("setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"));
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), "dev.kvmtune.cli.Main"));
        cmd.addAll(args);
        Path outFile = Files.createTempFile(corpus, "stdout", ".txt");
        Path errFile = Files.createTempFile(corpus, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        boolean done = p.waitFor(SECONDS, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = new String(Files.readAllBytes(outFile), StandardCharsets.UTF_8);
        String err = new String(Files.readAllBytes(errFile), StandardCharsets.UTF_8);
        Files.delete(outFile);
        Files.delete(errFile);
        return new Result(done ? p.exitValue() : -1, out, err, done);
    }

    /** What a path is, for "nothing else changed": kind, size and content hash of every file below it. */
    static Map<String, String> state(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String kind = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir"
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "file " + Files.size(p) + " " + hash(p) : "special";
                m.put(dir.relativize(p).toString(), kind);
            }
        }
        return m;
    }

    static String hash(Path p) throws IOException {
        if (Files.size(p) > (1 << 24) || !Files.isReadable(p)) return "-";
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void check(String what, Result r, Path input) {
        assertThat(r.finished()).as("%s: finished within %d s", what, SECONDS).isTrue();
        assertThat(r.exit()).as("%s: exit code (README: 0 ok, 2 bad input, 3 findings); stderr:\n%s", what, r.err()).isIn(0, 2, 3);
        assertThat(r.err()).as("%s: no stack trace", what).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("internal error");
        assertThat(r.err()).as("%s: no internals in messages", what).doesNotContain(": null").doesNotContain("Cannot invoke").doesNotContain("because \"");
        for (char c : r.err().toCharArray()) {
            assertThat(c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f || (c >= 0x80 && c <= 0x9f))
                    .as("%s: control byte 0x%02x on stderr:\n%s", what, (int) c, r.err()).isFalse();
        }
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        for (String l : lines) assertThat(l).as("%s: every diagnostic is one kvmtune line", what).startsWith("kvmtune: ");
        if (r.exit() == 2) {
            assertThat(lines).as("%s: exit 2 says why", what).isNotEmpty();
            assertThat(lines.get(lines.size() - 1)).as("%s: the refusal names the file", what).contains(input.getFileName().toString());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReaderOnEveryBadInput() throws Exception {
        Requires.command("mkfifo", "coreutils");
        boolean root = "root".equals(System.getProperty("user.name"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Reader reader : READERS) {
            tests.add(DynamicTest.dynamicTest(reader.name(), () -> {
                Map<String, Path> inputs = new TreeMap<>(BAD);
                Path cases = Files.createDirectories(corpus.resolve(reader.name().replace(' ', '_')));
                Files.setPosixFilePermissions(cases, PosixFilePermissions.fromString("rwxr-xr-x"));
                inputs.put("FIFO", fifo(cases));
                if (reader.real() != null) {
                    byte[] real = Files.readAllBytes(reader.real());
                    inputs.put("truncated real file", Files.write(cases.resolve("truncated-" + reader.real().getFileName()),
                            java.util.Arrays.copyOf(real, real.length * 11 / 20)));
                }
                List<String> failures = new ArrayList<>();
                for (var e : inputs.entrySet()) {
                    Path work = Files.createDirectories(cases.resolve("work-" + e.getKey().replaceAll("[^a-zA-Z0-9]", "_")));
                    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
                    Run run = new Run(e.getValue(), work, work.resolve("out.svg"));
                    Map<String, String> inputBefore = state(e.getValue().getParent()).entrySet().stream()
                            .filter(x -> x.getKey().equals(e.getValue().getFileName().toString()))
                            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                    // root reads a mode-000 file anyway: the unreadable case runs as nobody
                    boolean asNobody = root && e.getKey().equals("unreadable");
                    Result r = run(reader.args().apply(run), work, asNobody);
                    String what = reader.name() + " on " + e.getKey();
                    try {
                        check(what, r, e.getValue());
                        Map<String, String> after = state(work);
                        after.keySet().removeIf(k -> k.isEmpty() || k.equals("out.svg") || k.equals("j") || k.startsWith("j/"));
                        assertThat(after).as("%s: nothing but the named output is written", what).isEmpty();
                        if (!e.getKey().equals("FIFO")) {
                            for (var b : inputBefore.entrySet()) {
                                assertThat(state(e.getValue().getParent()).get(b.getKey())).as("%s: the input is unchanged", what).isEqualTo(b.getValue());
                            }
                        }
                    } catch (AssertionError a) {
                        failures.add(a.getMessage());
                    }
                }
                assertThat(failures).as(reader.name()).isEmpty();
            }));
        }
        return tests.stream();
    }

    /** Outputs go to regular files only: a directory, a FIFO, a device or a missing directory is refused and left as it was. */
    @Test
    void outputsAreRegularFilesOnly(@TempDir Path work) throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createDirectory(work.resolve("a-directory"));
        Path fifo = work.resolve("a-fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path full = Files.createSymbolicLink(work.resolve("full"), Path.of("/dev/full"));
        Path missing = work.resolve("no/such/dir/out");
        List<Function<Path, List<String>>> writers = List.of(
                o -> List.of("capture", "--root", s(corpus.resolve("directory")), "-o", s(o)),
                o -> List.of("capture", "--smemcap", "--root", s(corpus.resolve("directory")), "-o", s(o)),
                o -> List.of("mem", "--snapshot", s(SNAPSHOT), "--pie", "name", "-o", s(o)),
                o -> List.of("flame", "svg", s(PERF), "-o", s(o)),
                o -> List.of("latency", "diff", s(LATENCY), s(LATENCY), "-o", s(o)),
                o -> List.of("exits", "diff", s(EXITS), s(EXITS), "-o", s(o)));
        List<String> failures = new ArrayList<>();
        for (var w : writers) {
            for (Path target : List.of(dir, fifo, Path.of("/dev/full"), full, missing)) {
                Map<String, String> before = state(work);
                Result r = run(w.apply(target), work, false);
                String what = String.join(" ", w.apply(target));
                try {
                    check(what, r, target);
                    assertThat(r.exit()).as("%s: refused", what).isEqualTo(2);
                    assertThat(state(work)).as("%s: nothing replaced or left behind", what).isEqualTo(before);
                    assertThat(Path.of("/dev/full")).as("/dev/full is still a device").satisfies(p ->
                            assertThat(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).isFalse());
                } catch (AssertionError a) {
                    failures.add(a.getMessage());
                }
            }
        }
        assertThat(failures).isEmpty();

        // a symbolic link the user names is followed: the file it points to is replaced, the link stays
        Path real = Files.writeString(work.resolve("real.svg"), "old");
        Path link = Files.createSymbolicLink(work.resolve("link.svg"), real.getFileName());
        Result r = run(List.of("flame", "svg", s(PERF), "-o", s(link)), work, false);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).startsWith("<?xml");
    }

    /** apply --yes where its journal cannot be written is a refusal naming the directory (it was an internal error, exit 1). */
    @Test
    void applyWithoutAWritableJournalDirectory(@TempDir Path work) throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tree = dev.kvmtune.testing.TreeManifest.extract("nested-kvm-2cpu", work.resolve("tree"));
        Path journals = Files.createDirectory(work.resolve("journals"));
        Files.setPosixFilePermissions(journals, PosixFilePermissions.fromString("r-xr-xr-x"));
        Map<String, String> before = state(tree);
        boolean root = "root".equals(System.getProperty("user.name"));
        Result r = run(List.of("apply", s(PLAN), "--yes", "--root", s(tree), "--journal-dir", s(journals)), work, root);
        check("apply into a read-only journal directory", r, journals);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(journals.toString()).contains("permission denied");
        assertThat(state(tree)).as("nothing applied").isEqualTo(before);
    }

    /** Every leaf command is either in the misuse corpus or named here with why it has no input file. */
    @Test
    void everyCommandIsListed() {
        TreeSet<String> covered = new TreeSet<>();
        for (Reader r : READERS) covered.add(r.name().split(" (--|EVENTS|TRACE)")[0].strip());
        covered.addAll(NO_INPUT_FILE.keySet());
        assertThat(covered).containsAll(KvmtuneCommand.ACCEPTS.keySet());
    }
}
