package dev.kvmtune.facts.snapshot;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.facts.source.Root;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Takes a snapshot: runs the facts collection through a {@link RecordingRoot} and writes what it
 * read. Whatever facts learns to read later is captured with no change here.
 */
public final class Capture {
    /** Default bound on the archive's content. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;

    /** What was written, for the command's summary line. */
    public record Result(Path file, int files, long bytes, int unreadable, int omitted, int redactions) {
    }

    private Capture() {
    }

    public static Result capture(DirectoryRoot source, Path out, long maxBytes, String toolVersion, Clock clock) throws IOException {
        return capture(source, out, maxBytes, toolVersion, clock, (f, r) -> { });
    }

    /**
     * @param alsoRead runs after the facts collection with the same facts and recording root, so
     *                 that what other commands read beyond the facts (audit's module parameters,
     *                 for one) lands in the snapshot too
     */
    public static Result capture(DirectoryRoot source, Path out, long maxBytes, String toolVersion, Clock clock,
                                 BiConsumer<HostFacts, Root> alsoRead) throws IOException {
        RecordingRoot rec = new RecordingRoot(source);
        HostFacts facts = HostFactsCollector.collect(rec);
        alsoRead.accept(facts, rec);
        SnapshotWriter writer = new SnapshotWriter(source, maxBytes);
        writer.addAll(rec);
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
