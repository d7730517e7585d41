package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes files of a small directory root for tests of odd or bad trees. */
public final class Trees {
    private Trees() {
    }

    public static void put(Path root, String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /**
     * Writes a thread's {@code proc/PID/task/TID/stat} and {@code status} (and the process's own
     * when pid equals tid) in the kernel's layout: the comm in parentheses, flags as field 9,
     * processor 39, rt_priority 40, policy 41 (proc(5)).
     */
    public static void thread(Path root, int pid, int tid, String comm, boolean kernel, int policy, int rtPriority,
                              int lastCpu, String allowedList) throws IOException {
        String[] f = new String[39];
        java.util.Arrays.fill(f, "0");
        f[0] = "S";
        f[1] = kernel ? "2" : "1";
        f[9 - 3] = Long.toString(kernel ? 0x00208040L : 0x00400100L);
        f[39 - 3] = Integer.toString(lastCpu);
        f[40 - 3] = Integer.toString(rtPriority);
        f[41 - 3] = Integer.toString(policy);
        String stat = tid + " (" + comm + ") " + String.join(" ", f) + "\n";
        String status = "Name:\t" + comm + "\nTgid:\t" + pid + "\nPid:\t" + tid + "\nCpus_allowed_list:\t" + allowedList + "\n";
        put(root, "proc/" + pid + "/task/" + tid + "/stat", stat);
        put(root, "proc/" + pid + "/task/" + tid + "/status", status);
        if (pid == tid) {
            put(root, "proc/" + pid + "/stat", stat);
            put(root, "proc/" + pid + "/status", status);
        }
    }
}
