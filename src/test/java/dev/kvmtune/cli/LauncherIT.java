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
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
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
        Path flame = Path.of("target/kvmtune-jdk" + feature + "-flame.jsa").toAbsolutePath();
        Path facts = Path.of("target/kvmtune-jdk" + feature + "-facts.jsa").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(flame), "the launcher ran another JDK than this test's " + feature + ": no " + flame);
        assertThat(facts).isRegularFile();
        // a set's archive holds its command's classes and not another's: facts' has no flame graph, and is smaller
        assertThat(sharedClasses(flame, "flame", "svg", perf)).contains("dev.kvmtune.flame.FlameGraph", "dev.kvmtune.flame.StackTree",
                "dev.kvmtune.flame.PerfCollapse", "picocli.CommandLine", "java.lang.Object");
        assertThat(sharedClasses(facts, "facts")).contains("dev.kvmtune.facts.HostFactsCollector", "dev.kvmtune.facts.proc.ProcessReader",
                "picocli.CommandLine", "java.lang.Object").doesNotContain("dev.kvmtune.flame.FlameGraph");
        assertThat(run("--help").exit()).isZero(); // no command of a set: the set of all
        assertThat(Files.size(facts)).isLessThan(Files.size(Path.of("target/kvmtune-jdk" + feature + "-all.jsa")));
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
