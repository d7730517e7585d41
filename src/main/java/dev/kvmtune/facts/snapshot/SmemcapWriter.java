package dev.kvmtune.facts.snapshot;

import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.OutputFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a host's memory in smemcap's layout (seed 000: {@code smemcap > memorycapture.tar}), a plain
 * tar that smem analyses on another host with {@code smem -S} and kvmtune with {@code mem --snapshot}:
 * {@code meminfo}, {@code version}, and per user process a directory {@code PID} owned by the
 * process's user (the owner of proc/PID, as smem reads it) and named after it, holding {@code smaps},
 * {@code cmdline} and {@code stat}. Command lines get the same redaction as a snapshot's. A process
 * that exits while it is read is left out, and so are the processes past the size bound.
 */
public final class SmemcapWriter {
    /** What was written; {@code omitted} processes did not fit in the bound. */
    public record Result(Path file, int processes, int omitted, int redactions) {
    }

    private SmemcapWriter() {
    }

    public static Result write(Root root, Path out, long maxBytes) {
        int[] counts = new int[3];
        Map<String, String> users = ProcessMemoryReader.users(root);
        OutputFile.write(out, os -> {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                long now = System.currentTimeMillis();
                long bytes = 0;
                Optional<byte[]> meminfo = root.readBytes("proc/meminfo");
                Optional<byte[]> version = root.readBytes("proc/version");
                file(tar, "meminfo", meminfo, 0, "", now);
                file(tar, "version", version, 0, "", now);
                bytes += meminfo.map(b -> b.length).orElse(0) + version.map(b -> b.length).orElse(0);
                for (int pid : ProcessReader.pids(root)) {
                    String dir = "proc/" + pid + "/";
                    Optional<byte[]> cmdline = root.readBytes(dir + "cmdline");
                    if (cmdline.isEmpty() || cmdline.get().length == 0) continue;
                    Optional<byte[]> smaps = root.readBytes(dir + "smaps");
                    Optional<byte[]> stat = root.readBytes(dir + "stat");
                    if (smaps.isEmpty() || stat.isEmpty()) continue;
                    Long uid = root.owner("proc/" + pid).orElseGet(() -> root.read(dir + "status").map(ProcessMemoryReader::effectiveUid)
                            .map(u -> dev.kvmtune.util.Numbers.parseLong(u, -1)).filter(u -> u >= 0).orElse(null));
                    if (uid == null) continue;
                    long size = cmdline.get().length + smaps.get().length + stat.get().length;
                    if (bytes + size > maxBytes) {
                        counts[1]++;
                        continue;
                    }
                    bytes += size;
                    String user = users.getOrDefault(Long.toString(uid), "");
                    TarArchiveEntry d = new TarArchiveEntry(pid + "/");
                    d.setMode(0040555);
                    d.setUserId(uid);
                    d.setGroupId(uid);
                    d.setUserName(user);
                    d.setModTime(now);
                    tar.putArchiveEntry(d);
                    tar.closeArchiveEntry();
                    byte[] args = Redactor.redactCmdline(cmdline.get(), c -> counts[2]++);
                    file(tar, pid + "/smaps", smaps, uid, user, now);
                    file(tar, pid + "/cmdline", Optional.of(args), uid, user, now);
                    file(tar, pid + "/stat", stat, uid, user, now);
                    counts[0]++;
                }
                tar.finish();
            }
        });
        return new Result(out, counts[0], counts[1], counts[2]);
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
}
