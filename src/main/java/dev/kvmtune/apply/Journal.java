package dev.kvmtune.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.settings.change.JournalRecord;
import dev.kvmtune.util.SmallFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One apply's journal: append-only JSON lines, each forced to disk before the change it
 * describes is made. A crash can leave a last line cut short; reading ignores it, and reopening
 * the journal to finish it removes it, because its change had not started yet.
 */
public final class Journal implements Closeable {
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Path file;
    private final FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates a new journal file (never overwriting one) and makes its name durable. */
    static Journal create(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        FileHostAccess.syncDirectory(file.getParent());
        return new Journal(file, ch);
    }

    /** Opens an existing journal to append to it (rollback). */
    static Journal append(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length > 0 && all[all.length - 1] != '\n') {
            // A record cut short by a crash was never written whole and its change never started: drop
            // the fragment, so that it does not stand as a damaged line in the middle of the journal.
            int keep = all.length;
            while (keep > 0 && all[keep - 1] != '\n') keep--;
            try (FileChannel cut = FileChannel.open(file, StandardOpenOption.WRITE)) {
                cut.truncate(keep);
                cut.force(true);
            }
        }
        return new Journal(file, FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
    }

    public Path file() {
        return file;
    }

    /** Writes one record and forces it to disk. */
    void write(JournalRecord r) throws IOException {
        byte[] line = (line(r) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) channel.write(buf);
        channel.force(false);
    }

    /** A record's line, without the newline. */
    static String line(JournalRecord r) throws JsonProcessingException {
        return JSON.writeValueAsString(r);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * The records of a journal. A last line that does not parse is a write cut short and is left
     * out; a bad line before the last is damage, reported with file and line (exit 2).
     */
    public static List<JournalRecord> read(Path file) throws IOException {
        List<String> lines = List.of(new String(SmallFiles.read(file, SmallFiles.JOURNAL, "a kvmtune apply journal"), StandardCharsets.UTF_8).split("\n", -1));
        List<JournalRecord> out = new ArrayList<>();
        int last = lines.size() - 1;
        while (last >= 0 && lines.get(last).isEmpty()) last--;
        for (int i = 0; i <= last; i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                out.add(JournalRecord.decode(JSON.readTree(line), JSON));
            } catch (JsonProcessingException e) {
                if (i == last) break;
                throw new BadInputException(file + ":" + (i + 1) + ": not a journal record: " + dev.kvmtune.util.JsonErrors.describe(e));
            } catch (IllegalArgumentException e) {
                if (i == last) break;
                throw new BadInputException(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Whether the records start with a begin record. An apply killed between creating its journal and
     * forcing the begin record to disk leaves an empty file (or a cut-short first line): no change was
     * made, so such a file neither blocks an apply nor counts as the latest journal.
     */
    public static boolean started(List<JournalRecord> records) {
        return !records.isEmpty() && records.get(0) instanceof JournalRecord.Begin;
    }

    /** applied, rolled-back, rollback-incomplete from the last end record, or unfinished. */
    public static JournalRecord.Status status(List<JournalRecord> records) {
        JournalRecord.Status status = JournalRecord.Status.UNFINISHED;
        for (JournalRecord r : records) {
            if (r instanceof JournalRecord.End end) status = end.status();
        }
        return status;
    }

    /** Whether a journal in this state blocks a new apply. */
    public static boolean blocks(JournalRecord.Status status) {
        return status.blocks();
    }
}
