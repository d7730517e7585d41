package dev.kvmtune.facts.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot says about itself: stored as {@value #FILE_NAME} at the top of the archive.
 *
 * @param format      snapshot format version, {@value #FORMAT}
 * @param tool        kvmtune version that made it
 * @param hostname    the captured host's name
 * @param capturedAt  ISO-8601 instant
 * @param uname       sysname, release, version, machine
 * @param unreadable  paths that existed but could not be read, with the reason
 * @param omitted     paths left out because the size bound was reached
 * @param redactions  secrets removed from process command lines: path and what was removed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SnapshotMetadata(
        int format,
        String tool,
        String hostname,
        String capturedAt,
        Map<String, String> uname,
        Map<String, String> unreadable,
        List<String> omitted,
        List<Redaction> redactions) {

    public static final String FILE_NAME = "kvmtune-snapshot.json";
    public static final int FORMAT = 1;

    /** One secret removed: the file, which argument, and the kind of secret. */
    public record Redaction(String path, int argument, String what) {
    }
}
