package dev.kvmtune.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real cyclictest, run for a couple of seconds with one and two threads, then reported and compared. */
class LatencyCliTest {
    @TempDir
    Path tmp;

    @Test
    void runReportAndDiffWithRealCyclictest() throws IOException {
        Requires.command("cyclictest", "rt-tests");
        Cli.Result one = Cli.run("latency", "run", "--cpus", "0", "--duration", "2s", "--histogram", "40", "-o", tmp.resolve("one").toString());
        assertThat(one.exit()).as(one.err()).isZero();
        assertThat(one.err()).contains("cyclictest on CPUs 0 for 2s, interval 200us, SCHED_FIFO 95");
        String raw = Files.readString(tmp.resolve("one.txt"));
        assertThat(raw).startsWith("# cyclictest -m").contains("-p95 -i200 -t1 -a0 -q -D2s -h40").contains("# Histogram");
        assertThat(tmp.resolve("one.cyclictest.json")).exists();
        CyclictestRun r1 = CyclictestParser.parse(raw, "one");
        // 2 s at 200 µs is about 10000 wake-ups
        assertThat(r1.threads()).hasSize(1);
        assertThat(r1.threads().get(0).samples()).isBetween(5_000L, 10_500L);
        assertThat(r1.threads().get(0).min()).isPositive();
        assertThat(Files.readString(tmp.resolve("one.json"))).contains("\"percentiles\"");

        Cli.Result two = Cli.run("latency", "run", "--cpus", "0-1", "--duration", "2s", "--histogram", "40", "-o", tmp.resolve("two").toString(),
                "--max-us", "100000000");
        assertThat(two.exit()).as(two.err()).isZero();
        CyclictestRun r2 = CyclictestParser.parse(Files.readString(tmp.resolve("two.txt")), "two");
        assertThat(r2.threads()).hasSize(2);
        assertThat(two.out()).contains("verdict: PASS");

        Cli.Result rep = Cli.run("latency", "report", tmp.resolve("two.txt").toString(), tmp.resolve("two.cyclictest.json").toString(), "--max-us", "0");
        assertThat(rep.exit()).isEqualTo(3);
        assertThat(rep.out()).contains("verdict: FAIL");
        Cli.Result json = Cli.run("latency", "report", tmp.resolve("one.txt").toString(), "--format", "json");
        assertThat(json.out()).contains("\"samples\"").contains("\"p99.9\"");

        Path svg = tmp.resolve("chart.svg");
        Cli.Result diff = Cli.run("latency", "diff", tmp.resolve("one.txt").toString(), tmp.resolve("two.txt").toString(), "-o", svg.toString());
        assertThat(diff.exit()).as(diff.err()).isZero();
        assertThat(diff.out()).contains("max µs").contains("after/before");
        assertThat(Files.readString(svg)).startsWith("<svg").contains("<polyline").hasLineCount(Files.readString(svg).split("\n").length);
    }

    @Test
    void missingCyclictestAndBadOptionsAreUsageErrors() {
        Cli.Result missing = Cli.run("latency", "run", "--cpus", "0", "--duration", "1s", "--cyclictest", "/nonexistent/cyclictest",
                "-o", tmp.resolve("x").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("install rt-tests");
        assertThat(Cli.run("latency", "run", "--duration", "soon").exit()).isEqualTo(2);
        assertThat(Cli.run("latency", "report", tmp.resolve("none.txt").toString()).err()).contains("no such file");
    }

    /** Ctrl-C (SIGINT to the JVM) stops cyclictest early and still writes its output and kvmtune's result (it once kept only the command line). */
    @Test
    void interruptedRunKeepsItsResults() throws Exception {
        Requires.command("cyclictest", "rt-tests");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path base = tmp.resolve("cut");
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.kvmtune.cli.Main", "latency", "run", "--cpus", "0",
                "--duration", "60s", "-o", base.toString()).redirectError(tmp.resolve("err.txt").toFile()).redirectOutput(tmp.resolve("out.txt").toFile()).start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !Files.readString(tmp.resolve("err.txt")).contains("cyclictest on CPUs")) Thread.sleep(100);
        Thread.sleep(2500);
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("stopped by SIGINT").isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(err).contains("(stopped early)");
        String raw = Files.readString(tmp.resolve("cut.txt"));
        assertThat(raw).startsWith("# cyclictest").contains("# Histogram");
        assertThat(Files.readString(tmp.resolve("cut.json"))).contains("\"percentiles\"");
    }
}
