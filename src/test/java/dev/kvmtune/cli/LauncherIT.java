package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        int feature = Runtime.version().feature();
        org.junit.jupiter.api.Assumptions.assumeTrue(feature < 25, "JDK " + feature + " keeps an ahead-of-time cache, which this test does not read");
        String build = System.getProperty("java.runtime.version").replaceAll("[^A-Za-z0-9.+_-]", "");
        Path flame = Path.of("target/kvmtune-jdk" + build + "-flame.jsa").toAbsolutePath();
        Path facts = Path.of("target/kvmtune-jdk" + build + "-facts.jsa").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(flame), "the launcher ran another JDK than this test's " + feature + ": no " + flame);
        assertThat(facts).isRegularFile();
        // a set's archive holds its command's classes and not another's: facts' has no flame graph, and is smaller
        assertThat(sharedClasses(flame, "flame", "svg", perf)).contains("dev.kvmtune.flame.FlameGraph", "dev.kvmtune.flame.StackTree",
                "dev.kvmtune.flame.PerfCollapse", "picocli.CommandLine", "java.lang.Object");
        assertThat(sharedClasses(facts, "facts")).contains("dev.kvmtune.facts.HostFactsCollector", "dev.kvmtune.facts.proc.ProcessReader",
                "picocli.CommandLine", "java.lang.Object").doesNotContain("dev.kvmtune.flame.FlameGraph");
        assertThat(run("--help").exit()).isZero(); // no command of a set: the set of all
        assertThat(Files.size(facts)).isLessThan(Files.size(Path.of("target/kvmtune-jdk" + build + "-all.jsa")));
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

    /** The classes a run of the packaged jar loaded, after checking its exit code. */
    private List<String> loadedClasses(Path java, int exit, String... args) throws IOException, InterruptedException {
        Path log = tmp.resolve("loaded.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xlog:class+load=info:file=" + log, "-cp", Path.of("target/kvmtune.jar").toAbsolutePath().toString(), "dev.kvmtune.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve("run.out").toFile())
                .redirectError(tmp.resolve("run.err").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("run.err"))).isEqualTo(exit);
        return Files.readAllLines(log).stream().map(l -> l.replaceAll(".*\\[class,load\\] (\\S+) .*", "$1")).toList();
    }

    /** The classes a run with the archive required (-Xshare:on) took from it. */
    private List<String> sharedClasses(Path archive, String... args) throws IOException, InterruptedException {
        Path log = tmp.resolve("classes.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
                "-Xlog:class+load=info:file=" + log, "-cp", Path.of("target/kvmtune.jar").toAbsolutePath().toString(), "dev.kvmtune.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve("run.out").toFile())
                .redirectError(tmp.resolve("run.err").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("run.err"))).isZero();
        assertThat(Files.size(tmp.resolve("run.out"))).isPositive();
        return Files.readAllLines(log).stream().filter(l -> l.contains("source: shared objects file"))
                .map(l -> l.replaceAll(".*\\[class,load\\] (\\S+) .*", "$1")).toList();
    }
}
