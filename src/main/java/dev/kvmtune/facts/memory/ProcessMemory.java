package dev.kvmtune.facts.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One process's memory as smem counts it (seed 000), from {@code proc/PID/smaps_rollup}
 * (Documentation/filesystems/proc.rst, Linux 4.14+): RSS counts every resident page, PSS shares
 * each shared page out among its users, USS is what the process alone holds (Private_Clean +
 * Private_Dirty). Hugetlb pages (a hugepage-backed VM's RAM) are counted by the kernel in none of
 * RSS, PSS and USS, so they are given apart. With {@code cheap}, only {@code proc/PID/status} is
 * read (no mmap lock taken): RSS, swap and hugetlb, no PSS or USS. Every size is in kB; a value the
 * kernel does not give is absent, not zero.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProcessMemory(int pid, String user, String command, Long swapKb, Long ussKb, Long pssKb, Long rssKb, Long swapPssKb,
                            Long privateHugetlbKb, Long sharedHugetlbKb, Long hugetlbKb, Long pssAnonKb, Long pssFileKb, Long pssShmemKb,
                            Long lockedKb, String source) {

    /**
     * Every user process of the root; kernel threads (empty command line) are skipped as smem skips
     * them, and a process that exits while it is read is left out.
     */
    public static List<ProcessMemory> read(Root root, boolean cheap) {
        Map<String, String> users = users(root);
        List<ProcessMemory> out = new ArrayList<>();
        for (int pid : ProcessReader.pids(root)) {
            List<String> cmdline = ProcessReader.cmdline(root, pid);
            if (cmdline.isEmpty()) continue;
            Optional<String> status = root.read("proc/" + pid + "/status");
            if (status.isEmpty()) continue;
            Map<String, Long> st = fields(status.get());
            String uid = uid(status.get());
            String user = uid == null ? null : users.getOrDefault(uid, uid);
            String command = String.join(" ", cmdline);
            if (cheap) {
                out.add(new ProcessMemory(pid, user, command, st.get("VmSwap"), null, null, st.get("VmRSS"), null, null, null,
                        st.get("HugetlbPages"), null, null, null, st.get("VmLck"), "proc/" + pid + "/status"));
                continue;
            }
            String path = "proc/" + pid + "/smaps_rollup";
            Optional<String> rollup = root.read(path);
            if (rollup.isEmpty()) continue;
            Map<String, Long> r = fields(rollup.get());
            Long clean = r.get("Private_Clean");
            Long dirty = r.get("Private_Dirty");
            Long uss = clean == null || dirty == null ? null : clean + dirty;
            Long ph = r.get("Private_Hugetlb");
            Long sh = r.get("Shared_Hugetlb");
            out.add(new ProcessMemory(pid, user, command, r.get("Swap"), uss, r.get("Pss"), r.get("Rss"), r.get("SwapPss"), ph, sh,
                    st.get("HugetlbPages"), r.get("Pss_Anon"), r.get("Pss_File"), r.get("Pss_Shmem"), r.get("Locked"), path));
        }
        return out;
    }

    /** {@code Key:   N kB} lines; a line of another shape is left out. */
    static Map<String, Long> fields(String text) {
        Map<String, Long> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String rest = line.substring(colon + 1).strip();
            if (!rest.endsWith(" kB")) continue;
            long v = Numbers.parseLong(rest.substring(0, rest.length() - 3), -1);
            if (v >= 0) m.put(line.substring(0, colon).strip(), v);
        }
        return m;
    }

    /** The real uid: the first of status's four Uid fields. */
    static String uid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).strip().split("\\s+");
                return f.length > 0 && !f[0].isEmpty() ? f[0] : null;
            }
        }
        return null;
    }

    /** uid to user name from etc/passwd, as smem names users; an unknown uid stays a number. */
    static Map<String, String> users(Root root) {
        Map<String, String> m = new HashMap<>();
        root.read("etc/passwd").ifPresent(text -> {
            for (String line : text.split("\n")) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && !f[0].isEmpty()) m.putIfAbsent(f[2], f[0]);
            }
        });
        return m;
    }
}
