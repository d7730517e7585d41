package dev.kvmtune.latency;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real cyclictest (rt-tests) with seed 002's settings: memory locked (-m), SCHED_FIFO
 * priority (-p), one thread per chosen CPU pinned to it (-t N -a LIST), an interval (-i), a
 * histogram (-h), quiet (-q) so that only the final summary is printed, and on rt-tests 2.x the
 * --json file too. rt-tests 1.x also needs -n (clock_nanosleep); 2.x dropped the option.
 */
public final class Cyclictest {
    private static final Pattern VERSION = Pattern.compile("cyclictest V\\s*(\\d+)\\.(\\d+)");

    /** What to run. */
    public record Options(CpuSet cpus, Duration duration, long intervalUs, int priority, int histogramUs, List<String> extra) {
    }

    /** Raw stdout, the --json file when written, and the command that ran. */
    public record Output(List<String> command, String stdout, String stderr, String json, int exitCode, boolean interrupted) {
    }

    private final String executable;
    private volatile Process process;
    private volatile boolean stopRequested;

    public Cyclictest(String executable) {
        this.executable = executable;
    }

    /** Major and minor version from {@code cyclictest --help}; a clear error when it is missing. */
    public int[] version() {
        try {
            Process p = new ProcessBuilder(executable, "--help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            Matcher m = VERSION.matcher(out);
            if (!m.find()) throw new KvmtuneException(ExitCodes.BAD_INPUT, executable + " --help does not say its version; is it rt-tests' cyclictest?");
            return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
        } catch (IOException e) {
            throw new KvmtuneException(ExitCodes.BAD_INPUT, "cannot run " + executable + ": install rt-tests (Debian/Ubuntu: apt install rt-tests; "
                    + "Fedora/RHEL: dnf install realtime-tests)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvmtuneException(ExitCodes.INTERNAL_ERROR, "interrupted");
        }
    }

    public List<String> command(Options o, int[] version, Path jsonFile) {
        List<String> cmd = new ArrayList<>(List.of(executable, "-m"));
        if (version[0] < 2) cmd.add("-n");
        int threads = o.cpus().size();
        cmd.addAll(List.of("-p" + o.priority(), "-i" + o.intervalUs(), "-t" + threads, "-a" + o.cpus().toList(), "-q",
                "-D" + o.duration().toSeconds() + "s"));
        if (o.histogramUs() > 0) cmd.add("-h" + o.histogramUs());
        if (version[0] >= 2 && jsonFile != null) cmd.add("--json=" + jsonFile);
        cmd.addAll(o.extra());
        return cmd;
    }

    /**
     * Runs and waits; {@code progress} gets the elapsed seconds once a second. {@link #stop()}
     * (from a shutdown hook on Ctrl-C) ends it early, and cyclictest still prints its results.
     */
    public Output run(Options o, Path jsonFile, LongConsumer progress) throws IOException, InterruptedException {
        int[] version = version();
        List<String> cmd = command(o, version, jsonFile);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        process = pb.start();
        Process p = process;
        var out = drain(p.getInputStream());
        var err = drain(p.getErrorStream());
        long start = System.nanoTime();
        while (!p.waitFor(1, TimeUnit.SECONDS)) progress.accept(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        out.join();
        err.join();
        String json = jsonFile != null && Files.isRegularFile(jsonFile) ? Files.readString(jsonFile) : null;
        String stderr = err.text();
        int rc = p.exitValue();
        if (rc != 0 && !stopRequested) {
            String hint = stderr.contains("Operation not permitted") || stderr.contains("run as root") || stderr.contains("Unable to change scheduling policy")
                    || stderr.contains("mlockall")
                    ? ": it needs root, or CAP_SYS_NICE and CAP_IPC_LOCK with an rtprio and memlock limit (ulimit -r, -l)" : "";
            throw new KvmtuneException(ExitCodes.BAD_INPUT, "cyclictest exited with " + rc + hint + "; it said: " + firstLines(stderr + out.text(), 3));
        }
        return new Output(cmd, out.text(), stderr, json, rc, stopRequested);
    }

    /** Asks cyclictest to finish (SIGTERM: it prints its results and exits). */
    public void stop() {
        stopRequested = true;
        Process p = process;
        // SIGTERM through the handle: Process.destroy() would also close our end of its output, and
        // the results cyclictest prints as it stops would be lost
        if (p != null && p.isAlive()) p.toHandle().destroy();
    }

    private static String firstLines(String s, int n) {
        return String.join(" | ", s.strip().lines().limit(n).toList());
    }

    /** Reads a stream to the end on its own thread, so the child never blocks on a full pipe. */
    static final class Drain extends Thread {
        private final InputStream in;
        private volatile String text = "";

        Drain(InputStream in) {
            super("cyclictest-output");
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
        }

        String text() {
            return text;
        }
    }

    private static Drain drain(InputStream in) {
        Drain d = new Drain(in);
        d.start();
        return d;
    }
}
