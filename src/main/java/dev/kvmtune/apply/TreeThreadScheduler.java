package dev.kvmtune.apply;

import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.settings.change.SchedState;
import dev.kvmtune.settings.change.ThreadScheduler;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scheduling on a directory root: the change is written where the kernel shows it, fields 40
 * (rt_priority) and 41 (policy) of {@code stat} and the {@code Cpus_allowed} lines of
 * {@code status} (proc(5)), for the thread and, for a process's main thread, the process too.
 * The mask keeps the width and comma grouping it had, so setting a state back restores the bytes.
 */
final class TreeThreadScheduler implements ThreadScheduler {
    private final FileHostAccess host;

    TreeThreadScheduler(FileHostAccess host) {
        this.host = host;
    }

    /** The thread's directory, and the process's own when this is its main thread and the tree has it. */
    private List<String> dirs(int pid, int tid) {
        List<String> out = new ArrayList<>();
        out.add("proc/" + pid + "/task/" + tid);
        if (pid == tid && host.exists("proc/" + pid + "/stat")) out.add("proc/" + pid);
        return out;
    }

    @Override
    public SchedState get(int pid, int tid) throws IOException {
        String dir = dirs(pid, tid).get(0);
        String[] f = statFields(read(dir + "/stat", tid), dir + "/stat");
        CpuSet cpus = null;
        for (String line : read(dir + "/status", tid).split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) cpus = CpuSet.parseList(line.substring(18).strip());
        }
        if (cpus == null) throw new IOException(dir + "/status: no Cpus_allowed_list line");
        try {
            return new SchedState(SchedPolicy.of(Long.parseLong(f[38])), Integer.parseInt(f[37]), cpus);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + "/stat: fields 40-41 are not a settable policy and priority: " + e.getMessage());
        }
    }

    @Override
    public void set(int pid, int tid, SchedState state) throws IOException {
        for (String dir : dirs(pid, tid)) {
            String stat = read(dir + "/stat", tid);
            int close = stat.lastIndexOf(')');
            String[] f = statFields(stat, dir + "/stat");
            f[37] = Integer.toString(state.priority());
            f[38] = Integer.toString(state.policy().number());
            String tail = stat.endsWith("\n") ? "\n" : "";
            host.install(dir + "/stat", (stat.substring(0, close + 2) + String.join(" ", f) + tail).getBytes(StandardCharsets.UTF_8), host.mode(dir + "/stat"));
            StringBuilder status = new StringBuilder();
            for (String line : read(dir + "/status", tid).split("(?<=\n)")) {
                if (line.startsWith("Cpus_allowed:")) {
                    String old = line.substring(13).strip();
                    line = "Cpus_allowed:\t" + maskLike(old, state.cpus()) + "\n";
                } else if (line.startsWith("Cpus_allowed_list:")) {
                    line = "Cpus_allowed_list:\t" + state.cpus().toList() + "\n";
                }
                status.append(line);
            }
            host.install(dir + "/status", status.toString().getBytes(StandardCharsets.UTF_8), host.mode(dir + "/status"));
        }
    }

    private String read(String path, int tid) throws IOException {
        try {
            return new String(host.readBytes(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ThreadGoneException(tid);
        }
    }

    private static String[] statFields(String stat, String where) throws IOException {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) throw new IOException(where + ": not a stat line");
        String[] f = stat.substring(close + 2).strip().split(" ");
        if (f.length < 39) throw new IOException(where + ": " + (f.length + 2) + " fields, policy is field 41");
        return f;
    }

    /** The set as a hex mask in the shape of {@code like}: as many digits, the same comma groups. */
    static String maskLike(String like, CpuSet cpus) {
        return cpus.toMask(like.replace(",", "").length() * 4);
    }
}
