package dev.kvmtune.apply;

import dev.kvmtune.settings.change.JournalRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state directory holding one journal per apply ({@code apply-TIME-HASH.jsonl}, sorting in the
 * order they were made) and a lock file that keeps two applies or rollbacks from running at once.
 */
public final class JournalStore {
    /** Where journals live on the host unless --journal-dir says otherwise. */
    public static final String DEFAULT_DIR = "var/lib/kvmtune";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private final Path dir;

    public JournalStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Journals, oldest first. Two applies in the same second of the same plan are apply-T-H.jsonl and
     * apply-T-H-2.jsonl: by name alone the second sorts first ('-' before '.'), and rollback would pick
     * the older journal, so the number after the base name orders them.
     */
    public List<Path> journals() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("apply-") && n.endsWith(".jsonl");
            }).sorted(java.util.Comparator.comparing((Path p) -> baseName(p)).thenComparingLong(JournalStore::sequence)).toList();
        }
    }

    private static final java.util.regex.Pattern SEQUENCE = java.util.regex.Pattern.compile("^(apply-[^-]+-[^-.]+)(?:-(\\d{1,9}))?\\.jsonl$");

    /** apply-TIME-HASH of apply-TIME-HASH[-N].jsonl. */
    static String baseName(Path p) {
        String n = p.getFileName().toString();
        java.util.regex.Matcher m = SEQUENCE.matcher(n);
        return m.matches() ? m.group(1) : n;
    }

    /** N of apply-TIME-HASH-N.jsonl; 1 for the first, which has no number. */
    static long sequence(Path p) {
        java.util.regex.Matcher m = SEQUENCE.matcher(p.getFileName().toString());
        return m.matches() && m.group(2) != null ? Long.parseLong(m.group(2)) : 1;
    }

    /** The newest journal that blocks a new apply (a crash, or a rollback that could not finish). */
    public Optional<Path> blocking() throws IOException {
        List<Path> all = journals();
        for (int i = all.size() - 1; i >= 0; i--) {
            List<JournalRecord> records = Journal.read(all.get(i));
            if (Journal.started(records) && Journal.blocks(Journal.status(records))) return Optional.of(all.get(i));
        }
        return Optional.empty();
    }

    /** The newest journal that records a change (see {@link Journal#started}). */
    public Optional<Path> latest() throws IOException {
        List<Path> all = journals();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (Journal.started(Journal.read(all.get(i)))) return Optional.of(all.get(i));
        }
        return Optional.empty();
    }

    /** A new journal file named after the time and the plan. */
    Journal create(Instant now, String planHash) throws IOException {
        Files.createDirectories(dir);
        String base = "apply-" + STAMP.format(now) + "-" + planHash.substring(0, Math.min(8, planHash.length()));
        Path file = dir.resolve(base + ".jsonl");
        for (int i = 2; Files.exists(file); i++) file = dir.resolve(base + "-" + i + ".jsonl");
        return Journal.create(file);
    }

    /** Holds the store's lock; a second apply or rollback meanwhile gets an error instead of waiting. */
    public Lock lock() throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IOException(dir.resolve("lock") + ": another kvmtune apply or rollback is running");
        }
        return new Lock(ch);
    }

    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        private Lock(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
