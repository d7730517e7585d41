package dev.kvmtune.flame;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.KvmtuneException;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Drives the real perf for a flame graph (seed 000's recipe): {@code perf record -F HZ -e EVENT -g
 * -p PID -- sleep SECONDS}, then {@code perf script} collapsed while it streams. Says plainly when
 * perf is missing, when kernel.perf_event_paranoid forbids profiling another process, and when no
 * sample was taken.
 */
public final class PerfRecorder {
    /** What to record. */
    public record Options(String perf, String event, int frequency, Duration duration, Path workDir) {
    }

    private PerfRecorder() {
    }

    /**
     * Null when this user may profile another process at this paranoia level, else why not: root
     * (or CAP_PERFMON) may always; others need kernel.perf_event_paranoid of 1 or less for
     * per-process profiling with kernel call chains.
     */
    public static String permissionProblem(Optional<Integer> paranoid, boolean privileged) {
        if (privileged || paranoid.isEmpty()) return null;
        int p = paranoid.get();
        if (p <= 1) return null;
        return "kernel.perf_event_paranoid is " + p + ", which lets only root profile other processes with kernel call chains; "
                + "run kvmtune as root, or allow it for everyone with: sysctl -w kernel.perf_event_paranoid=1";
    }

    public static Optional<Integer> paranoid(Path file) {
        try {
            java.util.OptionalLong n = Numbers.parseLong(Files.readString(file));
            return n.isPresent() && Math.abs(n.getAsLong()) < 1000 ? Optional.of((int) n.getAsLong()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records {@code pid} and returns the perf.data file. */
    public static Path record(long pid, Options o, LongConsumer progress) throws IOException, InterruptedException {
        Path data = o.workDir().resolve("perf.data");
        Path log = o.workDir().resolve("perf-record.log");
        List<String> cmd = List.of(o.perf(), "record", "-F", Integer.toString(o.frequency()), "-e", o.event(), "-g", "-p", Long.toString(pid),
                "-o", data.toString(), "--", "sleep", Long.toString(Math.max(1, o.duration().toSeconds())));
        Process p = start(cmd, o.perf(), log, true);
        long start = System.nanoTime();
        long shown = 0;
        while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
            long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            if (s > shown) progress.accept(shown = s);
            if (s > o.duration().toSeconds() + 60) {
                p.destroyForcibly();
                throw new KvmtuneException(ExitCodes.INTERNAL_ERROR, "perf record did not finish 60 s after its duration; see " + log);
            }
        }
        String err = Files.readString(log, StandardCharsets.ISO_8859_1);
        if (p.exitValue() != 0 || !Files.exists(data)) throw failure("perf record", err, log);
        return data;
    }

    /** Runs perf script on the data and collapses its output as it streams. */
    public static PerfCollapse collapse(Path data, Options o, PerfCollapse.Options collapse, java.util.function.Consumer<String> warn)
            throws IOException, InterruptedException {
        Path log = o.workDir().resolve("perf-script.log");
        Process p = start(List.of(o.perf(), "script", "-i", data.toString()), o.perf(), log, false);
        PerfCollapse c = new PerfCollapse(collapse, warn);
        try (InputStream in = p.getInputStream()) {
            c.read(in, "perf script");
        }
        if (p.waitFor() != 0) throw failure("perf script", Files.readString(log, StandardCharsets.ISO_8859_1), log);
        return c;
    }

    /** @param outputToLog perf's stdout goes to the log too (record); else the caller reads it (script) */
    private static Process start(List<String> cmd, String perf, Path log, boolean outputToLog) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
        if (outputToLog) pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new BadInputException(perf + " could not be run (" + e.getMessage() + "): perf is not installed or not on PATH "
                    + "(Debian: apt install linux-perf; Fedora/RHEL: dnf install perf)");
        }
    }

    private static KvmtuneException failure(String what, String err, Path log) {
        String e = err.toLowerCase(java.util.Locale.ROOT);
        if (e.contains("perf_event_paranoid") || e.contains("permission denied") || e.contains("no permission") || e.contains("access to performance monitoring")) {
            return new BadInputException(what + " was refused by the kernel: "
                    + "kernel.perf_event_paranoid or missing privileges (run as root, or sysctl -w kernel.perf_event_paranoid=1); perf said: "
                    + firstLines(err));
        }
        if (e.contains("no such process")) return new BadInputException(what + ": the process is gone; perf said: " + firstLines(err));
        return new KvmtuneException(ExitCodes.INTERNAL_ERROR, what + " failed: " + firstLines(err) + " (full output in " + log + ")");
    }

    private static String firstLines(String s) {
        List<String> l = new ArrayList<>();
        for (String line : s.strip().split("\n")) {
            if (!line.isBlank()) l.add(line.strip());
            if (l.size() == 3) break;
        }
        return String.join(" / ", l);
    }
}
