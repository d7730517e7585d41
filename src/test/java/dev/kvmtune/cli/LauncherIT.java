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
    void theTrainingRunArchivesTheClassesOfTheUsualCommands() throws Exception {
        assertThat(run("--version").exit()).isZero();
        int feature = Runtime.version().feature();
        org.junit.jupiter.api.Assumptions.assumeTrue(feature < 25, "JDK " + feature + " keeps an ahead-of-time cache, which this test does not read");
        Path archive = Path.of("target/kvmtune-jdk" + feature + ".jsa").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(archive), "the launcher ran another JDK than this test's " + feature + ": no " + archive);
        // with the archive required (-Xshare:on), flame svg's classes come from it, not from the jar
        Path log = tmp.resolve("classes.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:-UsePerfData", "-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-Xlog:class+load=info:file=" + log,
                "-jar", Path.of("target/kvmtune.jar").toAbsolutePath().toString(), "flame", "svg", Path.of("src/test/resources/flame/perf-system-cpu-clock.txt").toAbsolutePath().toString());
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve("svg").toFile()).redirectError(tmp.resolve("svg.err").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("svg.err"))).isZero();
        assertThat(Files.readString(tmp.resolve("svg"))).startsWith("<?xml");
        List<String> lines = Files.readAllLines(log);
        for (String c : List.of("dev.kvmtune.flame.FlameGraph ", "dev.kvmtune.flame.StackTree ", "dev.kvmtune.flame.PerfCollapse ", "picocli.CommandLine ")) {
            assertThat(lines).as(c).anySatisfy(l -> assertThat(l).contains(c).contains("source: shared objects file"));
        }
    }
}
