package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ./kvmtune launcher on the packaged jar: any working directory, exit codes passed through. */
class LauncherIT {
    static final Path LAUNCHER = Path.of("kvmtune").toAbsolutePath();

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    Run run(String... args) throws IOException, InterruptedException {
        return runWith(java.util.Map.of(), args);
    }

    Run runWith(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void runsFromAnotherDirectory() throws Exception {
        Run r = run("--version");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("kvmtune ");
    }

    @Test
    void passesExitCodesThrough() throws Exception {
        Run r = run("facts", "--snapshot", "does-not-exist.tar.gz");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("does-not-exist.tar.gz: no such snapshot file");
        assertThat(run("facts", "--bogus").exit()).isEqualTo(2);
    }

    @Test
    void auditsThisHost() throws Exception {
        Run r = run("audit");
        assertThat(r.exit()).as(r.err()).isIn(0, 3);
        assertThat(r.out()).isNotBlank();
    }

    @Test
    void eachUsualCommandGetsAnArchiveOfTheClassesItLoads() throws Exception {
        String perf = Path.of("src/test/resources/flame/perf-system-cpu-clock.txt").toAbsolutePath().toString();
        assertThat(run("flame", "svg", perf).exit()).isZero();
        assertThat(run("facts").exit()).isZero();
        Path flame = archive("flame");
        Path facts = archive("facts");
        assertThat(facts).isRegularFile();
        // a set's archive holds its command's classes and not another's: facts' has no flame graph, and is smaller
        List<Load> svg = archivedRun(flame, "flame", "svg", perf);
        assertThat(shared(svg)).contains("dev.kvmtune.flame.FlameGraph", "dev.kvmtune.flame.StackTree",
                "dev.kvmtune.flame.PerfCollapse", "picocli.CommandLine", "java.lang.Object");
        // and nothing else opens the jar: no resource is read (the flame graph's script is a class constant)
        assertThat(svg).extracting(Load::name).doesNotContain("java.util.zip.ZipFile$Source");
        assertThat(shared(archivedRun(facts, "facts"))).contains("dev.kvmtune.facts.HostFactsCollector",
                "dev.kvmtune.facts.proc.ProcessReader", "picocli.CommandLine", "java.lang.Object").doesNotContain("dev.kvmtune.flame.FlameGraph");
        // and the classes that read a VM, though this host runs none: the training read a captured VM host too
        String vmHost = Path.of("src/test/resources/roots/firecracker-amd-2cpu-libvirt-vm/snapshot.tar.gz").toAbsolutePath().toString();
        assertThat(shared(archivedRun(facts, "--snapshot", vmHost, "facts"))).contains("dev.kvmtune.facts.vm.DomainXml",
                "dev.kvmtune.facts.vm.QemuArgs", "com.sun.org.apache.xerces.internal.jaxp.DocumentBuilderFactoryImpl");
        assertThat(run("--help").exit()).isZero(); // no command of a set: the set of all
        assertThat(Files.size(facts)).isLessThan(Files.size(archive("all")));
    }

    @Test
    void versionComesFromTheManifestWithoutOpeningTheJar() throws Exception {
        assertThat(run("--version").exit()).isZero();
        // a resource is read by opening the jar, which no class of the run needed (about 9 ms of a 0.13 s run): the
        // version is in the jar's manifest, which the class archive keeps
        List<Load> loads = archivedRun(archive("version"), "--version");
        var built = new java.util.Properties();
        try (var in = Files.newInputStream(Path.of("target/classes/dev/kvmtune/version.properties"))) {
            built.load(in);
        }
        assertThat(Files.readString(tmp.resolve("run.out"))).isEqualTo("kvmtune " + built.getProperty("version") + "\n");
        assertThat(loads).contains(new Load("dev.kvmtune.cli.KvmtuneCommand$Version", "shared objects file"))
                .extracting(Load::name).doesNotContain("java.util.zip.ZipFile$Source");
    }

    /**
     * The class archive the launcher made for a set of commands on this test's JDK; skips the test where that JDK
     * keeps an ahead-of-time cache instead, or the launcher ran another JDK.
     */
    private static Path archive(String set) {
        int feature = Runtime.version().feature();
        org.junit.jupiter.api.Assumptions.assumeTrue(feature < 25, "JDK " + feature + " keeps an ahead-of-time cache, which this test does not read");
        String build = System.getProperty("java.runtime.version").replaceAll("[^A-Za-z0-9.+_-]", "");
        Path archive = Path.of("target/kvmtune-jdk" + build + "-" + set + ".jsa").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(archive), "the launcher ran another JDK than this test's " + feature + ": no " + archive);
        return archive;
    }

    @Test
    void anArchiveIsMadeAgainForAnotherBuildOfTheJdk() throws Exception {
        // a JDK update keeps the major version and changes the build: a JDK directory that is this one under another
        // build's name (its java binary copied, its libraries linked) stands for it
        Path home = Path.of(System.getProperty("java.home"));
        Path release = home.resolve("release");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(release), "this JDK has no release file: " + release);
        int feature = Runtime.version().feature();
        String kind = feature >= 25 ? "aot" : "jsa";
        Path updated = tmp.resolve("jdk-updated");
        Files.createDirectories(updated.resolve("bin"));
        Files.copy(home.resolve("bin/java"), updated.resolve("bin/java"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(updated.resolve("lib"), home.resolve("lib"));
        Files.createSymbolicLink(updated.resolve("conf"), home.resolve("conf"));
        String build = feature + ".0.99+1-kvmtune-test";
        Files.write(updated.resolve("release"), Files.readAllLines(release).stream()
                .map(l -> l.startsWith("JAVA_RUNTIME_VERSION=") ? "JAVA_RUNTIME_VERSION=\"" + build + "\"" : l).toList());
        Path mine = Path.of("target/kvmtune-jdk" + System.getProperty("java.runtime.version").replaceAll("[^A-Za-z0-9.+_-]", "") + "-version." + kind)
                .toAbsolutePath();
        Path theirs = Path.of("target/kvmtune-jdk" + build + "-version." + kind).toAbsolutePath();

        assertThat(runWith(java.util.Map.of("JAVA_HOME", home.toString()), "--version").exit()).isZero();
        assertThat(mine).isRegularFile();
        Run other = runWith(java.util.Map.of("JAVA_HOME", updated.toString()), "--version");
        assertThat(other.exit()).as(other.err()).isZero();
        assertThat(other.out()).startsWith("kvmtune ");
        assertThat(theirs).isRegularFile();
        assertThat(mine).as("the earlier build's archive, of no use to the new one").doesNotExist();
        // and back: this JDK's own archive again, the other's gone
        assertThat(runWith(java.util.Map.of("JAVA_HOME", home.toString()), "--version").exit()).isZero();
        assertThat(mine).isRegularFile();
        assertThat(theirs).doesNotExist();
    }

    @Test
    void successEndsWithoutTheExitLoggerOfJdk21() throws Exception {
        Path java = jdk21OrNewer();
        org.junit.jupiter.api.Assumptions.assumeTrue(java != null, "no JDK 21 or newer here (JAVA_HOME, the test's own, /usr/lib/jvm/*)");
        // Runtime.exit of JDK 21 and later looks up a System.Logger first, which loads the JDK's logger bootstrap and
        // searches the class path: a successful run ends without it, a failing one still exits with its code
        List<String> ok = loadedClasses(java, 0, "--version");
        assertThat(ok).contains("dev.kvmtune.cli.Main").doesNotContain("jdk.internal.logger.BootstrapLogger");
        assertThat(loadedClasses(java, 2, "facts", "--bogus")).contains("jdk.internal.logger.BootstrapLogger");
    }

    /** A JDK of feature version 21 or later: the test's own, or one under /usr/lib/jvm; null when there is none. */
    private static Path jdk21OrNewer() throws IOException {
        List<Path> homes = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
        if (Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
                s.sorted().forEach(homes::add);
            }
        }
        for (Path home : homes) {
            Path release = home.resolve("release");
            Path bin = home.resolve("bin/java");
            if (!Files.isRegularFile(release) || !Files.isExecutable(bin)) continue;
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                var m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"?(\\d+)").matcher(line);
                if (m.find() && Integer.parseInt(m.group(1)) >= 21) return bin;
            }
        }
        return null;
    }

    /** A class a run loaded, and where from: "shared objects file" for a class archive, else the jar or the runtime image. */
    record Load(String name, String source) {
    }

    /**
     * The classes a run of the packaged jar on {@code java} with the JVM {@code options} loaded, in order, after checking
     * its exit code.
     */
    private List<Load> classLoads(Path java, List<String> options, int exit, String... args) throws IOException, InterruptedException {
        Path log = tmp.resolve("classes.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
        cmd.addAll(options);
        cmd.addAll(List.of("-Xlog:class+load=info:file=" + log, "-cp", Path.of("target/kvmtune.jar").toAbsolutePath().toString(),
                "dev.kvmtune.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve("run.out").toFile())
                .redirectError(tmp.resolve("run.err").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("run.err"))).isEqualTo(exit);
        var line = Pattern.compile("\\[class,load\\] (\\S+) source: (.*)$");
        return Files.readAllLines(log).stream().map(line::matcher).filter(Matcher::find)
                .map(m -> new Load(m.group(1), m.group(2))).toList();
    }

    /** The classes a run of the packaged jar loaded, after checking its exit code. */
    private List<String> loadedClasses(Path java, int exit, String... args) throws IOException, InterruptedException {
        return classLoads(java, List.of(), exit, args).stream().map(Load::name).toList();
    }

    /**
     * The classes a successful run on this test's JDK with the archive required (-Xshare:on) loaded; the run printed
     * something.
     */
    private List<Load> archivedRun(Path archive, String... args) throws IOException, InterruptedException {
        List<Load> loads = classLoads(Path.of(System.getProperty("java.home"), "bin", "java"),
                List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on"), 0, args);
        assertThat(Files.size(tmp.resolve("run.out"))).isPositive();
        return loads;
    }

    /** The classes of a run that came from the class archive. */
    private static List<String> shared(List<Load> loads) {
        return loads.stream().filter(l -> l.source().equals("shared objects file")).map(Load::name).toList();
    }
}
