package dev.kvmtune.facts.snapshot;

import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.OutputFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a host's memory in smemcap's layout (seed 000: {@code smemcap > memorycapture.tar}), a plain
 * tar that smem analyses on another host with {@code smem -S} and kvmtune with {@code mem --snapshot}:
 * {@code meminfo}, {@code version}, and per user process a directory {@code PID} owned by the
 * process's effective user and named after it, holding {@code smaps}, {@code cmdline} and
 * {@code stat}. Command lines get the same redaction as a snapshot's. A process that exits while it
 * is read is left out.
 */
public final class SmemcapWriter {
    /** What was written. */
    public record Result(Path file, int processes, int redactions) {
    }

    private SmemcapWriter() {
    }

    public static Result write(Root root, Path out) {
        int[] counts = new int[2];
        Map<String, String> users = new HashMap<>();
        root.read("etc/passwd").ifPresent(text -> {
            for (String line : text.split("\n")) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && !f[0].isEmpty()) users.putIfAbsent(f[2], f[0]);
            }
        });
        OutputFile.write(out, os -> {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                long now = System.currentTimeMillis();
                file(tar, "meminfo", root.readBytes("proc/meminfo"), 0, "", now);
                file(tar, "version", root.readBytes("proc/version"), 0, "", now);
                for (int pid : ProcessReader.pids(root)) {
                    String dir = "proc/" + pid + "/";
                    Optional<byte[]> cmdline = root.readBytes(dir + "cmdline");
                    if (cmdline.isEmpty() || cmdline.get().length == 0) continue;
                    Optional<byte[]> smaps = root.readBytes(dir + "smaps");
                    Optional<byte[]> stat = root.readBytes(dir + "stat");
                    Optional<String> status = root.read(dir + "status");
                    if (smaps.isEmpty() || stat.isEmpty() || status.isEmpty()) continue;
                    long uid = uid(status.get());
                    String user = users.getOrDefault(Long.toString(uid), "");
                    TarArchiveEntry d = new TarArchiveEntry(pid + "/");
                    d.setMode(0040555);
                    d.setUserId(uid);
                    d.setGroupId(uid);
                    d.setUserName(user);
                    d.setModTime(now);
                    tar.putArchiveEntry(d);
                    tar.closeArchiveEntry();
                    byte[] args = redact(cmdline.get(), counts);
                    file(tar, pid + "/smaps", smaps, uid, user, now);
                    file(tar, pid + "/cmdline", Optional.of(args), uid, user, now);
                    file(tar, pid + "/stat", stat, uid, user, now);
                    counts[0]++;
                }
                tar.finish();
            }
        });
        return new Result(out, counts[0], counts[1]);
    }

    private static void file(TarArchiveOutputStream tar, String name, Optional<byte[]> data, long uid, String user, long now) throws IOException {
        if (data.isEmpty()) return;
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.get().length);
        e.setMode(0100444);
        e.setUserId(uid);
        e.setGroupId(uid);
        e.setUserName(user);
        e.setModTime(now);
        tar.putArchiveEntry(e);
        tar.write(data.get());
        tar.closeArchiveEntry();
    }

    private static byte[] redact(byte[] content, int[] counts) {
        String s = new String(content, StandardCharsets.UTF_8);
        boolean trailingNul = s.endsWith("\0");
        List<String> args = List.of((trailingNul ? s.substring(0, s.length() - 1) : s).split("\0", -1));
        Redactor.Result r = Redactor.redact(args);
        if (r.changes().isEmpty()) return content;
        counts[1] += r.changes().size();
        return (String.join("\0", r.args()) + (trailingNul ? "\0" : "")).getBytes(StandardCharsets.UTF_8);
    }

    /** The effective uid (second Uid field), which owns proc/PID; 0 when status has none. */
    private static long uid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).strip().split("\\s+");
                if (f.length >= 2) return dev.kvmtune.util.Numbers.parseLong(f[1], 0);
            }
        }
        return 0;
    }
}
