package dev.kvmtune.facts.snapshot;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Takes a snapshot: runs the facts collection through a {@link RecordingRoot} and writes what it
 * read. Whatever facts learns to read later is captured with no change here.
 */
public final class Capture {
    /**
     * A second reading of the interrupt counters, taken {@link #LATER_INTERVAL} after the snapshot's
     * own ({@code kvmtune/later/proc/interrupts}, {@code proc/softirqs}, {@code proc/stat}): rates
     * need two readings an interval apart.
     */
    public static final String LATER = "kvmtune/later/";
    /** The nanoseconds between the two readings, as text. */
    public static final String LATER_INTERVAL = LATER + "interval_ns";
    static final List<String> COUNTERS = List.of("proc/interrupts", "proc/softirqs", "proc/stat");

    /** Default bound on the archive's content. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;

    /** What was written, for the command's summary line. */
    public record Result(Path file, int files, long bytes, int unreadable, int omitted, int redactions) {
    }

    private Capture() {
    }

    public static Result capture(DirectoryRoot source, Path out, long maxBytes, String toolVersion, Clock clock) throws IOException {
        return capture(source, out, maxBytes, toolVersion, clock, (f, r) -> { }, java.time.Duration.ZERO);
    }

    /**
     * @param alsoRead runs after the facts collection with the same facts and recording root, so
     *                 that what other commands read beyond the facts (audit's module parameters,
     *                 for one) lands in the snapshot too
     * @param irqInterval on the live host, the time between the snapshot's interrupt counters and a
     *                 second reading of them ({@link #LATER}); zero for none
     */
    public static Result capture(DirectoryRoot source, Path out, long maxBytes, String toolVersion, Clock clock,
                                 BiConsumer<HostFacts, Root> alsoRead, java.time.Duration irqInterval) throws IOException {
        RecordingRoot rec = new RecordingRoot(source);
        HostFacts facts = HostFactsCollector.collect(rec);
        alsoRead.accept(facts, rec);
        Map<String, byte[]> later = new LinkedHashMap<>();
        if (source.isLive() && !irqInterval.isZero() && !irqInterval.isNegative()) {
            long t0 = System.nanoTime();
            for (String c : COUNTERS) rec.readBytes(c);
            try {
                Thread.sleep(irqInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("capture interrupted");
            }
            long t1 = System.nanoTime();
            for (String c : COUNTERS) source.readBytes(c).ifPresent(b -> later.put(LATER + c, b));
            if (!later.isEmpty()) later.put(LATER_INTERVAL, Long.toString(t1 - t0).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        SnapshotWriter writer = new SnapshotWriter(source, maxBytes);
        writer.addAll(rec);
        later.forEach(writer::addOwn);
        Map<String, String> uname = new LinkedHashMap<>();
        uname.put("sysname", source.read("proc/sys/kernel/ostype").map(String::strip).orElse("Linux"));
        uname.put("release", source.read("proc/sys/kernel/osrelease").map(String::strip).orElse(""));
        uname.put("version", source.read("proc/sys/kernel/version").map(String::strip).orElse(""));
        uname.put("machine", machine());
        SnapshotMetadata meta = new SnapshotMetadata(
                SnapshotMetadata.FORMAT,
                toolVersion,
                source.read("proc/sys/kernel/hostname").map(String::strip).orElse(""),
                clock.instant().toString(),
                uname,
                new TreeMap<>(rec.problems()),
                writer.omitted(),
                writer.redactions());
        writer.writeTo(out, meta);
        long bytes = java.nio.file.Files.size(out);
        return new Result(out, rec.files().size() - writer.omitted().size(), bytes, meta.unreadable().size(),
                writer.omitted().size(), writer.redactions().size());
    }

    /** uname -m spelling of the JVM's architecture. */
    static String machine() {
        String a = System.getProperty("os.arch", "");
        return switch (a) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> a;
        };
    }
}
