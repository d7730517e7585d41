package dev.kvmtune.facts.memory;

import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Reads every user process's memory through a {@link Root}. How deep is the caller's choice:
 * {@link Depth#STATUS} reads {@code proc/PID/status} only (no mmap lock taken), {@link Depth#ROLLUP}
 * {@code smaps_rollup} (Linux 4.14+; full {@code smaps} where there is no rollup, as on older kernels
 * and in smemcap archives), {@link Depth#SMAPS} every mapping. Kernel threads (empty command line) are
 * left out as smem leaves them out, and so is a process that exits while it is read.
 *
 * <p>Reading smaps takes the target's mmap lock and walks its page tables: seconds for a VM of
 * hundreds of GB. On the live host no process may hold the reading up longer than
 * {@link Options#maxWait}: past it, its sizes come from status (RSS, swap, hugetlb) and a note
 * says so, and the reading goes on with the other processes.
 */
public final class ProcessMemoryReader {
    /** How much of each process is read. */
    public enum Depth { STATUS, ROLLUP, SMAPS }

    /**
     * What to read besides the sizes of the depth. Each file costs the kernel real work to generate
     * (a status is tens of microseconds of system time), so a table that shows no name, VSS or KSM
     * column reads none of their files.
     *
     * @param numa    also read {@code numa_maps} (pages per node; walks page tables like smaps)
     * @param ksm     also read {@code ksm_stat} (merged pages and profit)
     * @param name    also read {@code stat} for the command name (comm)
     * @param status  also read {@code status} (VmSize, VmLck, HugetlbPages), which STATUS depth reads anyway
     * @param maxWait the bound per process on the live host
     */
    public record Options(Depth depth, boolean numa, boolean ksm, boolean name, boolean status, Duration maxWait) {
        public static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);

        /** Everything the depth and the extras give (JSON, capture). */
        public static Options all(Depth depth, boolean numa) {
            return new Options(depth, numa, true, true, true, DEFAULT_WAIT);
        }
    }

    /** One process: its sizes, and its mappings when {@link Depth#SMAPS} was asked for. */
    public record Sample(ProcessMemory memory, List<Smaps.Mapping> maps) {
    }

    /** What was read, with what could not be. */
    public record Reading(List<Sample> samples, boolean pssMissing, List<String> notes) {
        public List<ProcessMemory> processes() {
            List<ProcessMemory> out = new ArrayList<>(samples.size());
            for (Sample s : samples) out.add(s.memory());
            return out;
        }
    }

    private ProcessMemoryReader() {
    }

    public static Reading read(Root root, Options o) {
        List<Integer> pids = ProcessReader.pids(root);
        Map<String, String> users = users(root);
        Sample[] got = new Sample[pids.size()];
        List<String> notes = new ArrayList<>();
        if (root.isLive() && (o.depth() != Depth.STATUS || o.numa())) {
            readBounded(root, o, pids, users, got, notes);
        } else {
            for (int i = 0; i < got.length; i++) got[i] = one(root, o, pids.get(i), users);
        }
        List<Sample> out = new ArrayList<>();
        boolean pssMissing = false;
        for (Sample s : got) {
            if (s == null) continue;
            out.add(s);
            if (o.depth() != Depth.STATUS && s.memory().note() == null && s.memory().get(MemColumn.PSS) == null) pssMissing = true;
        }
        return new Reading(out, pssMissing, notes);
    }

    /**
     * Worker threads read the processes; this thread watches the clock. A process that holds its
     * worker past the bound is given up (its status read instead) and a fresh worker takes over,
     * so one stuck page-table walk costs at most the bound.
     */
    private static void readBounded(Root root, Options o, List<Integer> pids, Map<String, String> users, Sample[] got, List<String> notes) {
        int n = pids.size();
        AtomicInteger next = new AtomicInteger();
        AtomicLongArray started = new AtomicLongArray(n);
        AtomicReferenceArray<Object> done = new AtomicReferenceArray<>(n);
        Object none = new Object();
        AtomicInteger finished = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < n) {
                started.set(i, System.nanoTime());
                Sample s;
                try {
                    s = one(root, o, pids.get(i), users);
                } catch (RuntimeException e) {
                    // a bug, not a process that went away (that is an empty read): the reading stops and says so
                    failure.compareAndSet(null, e);
                    s = null;
                }
                if (done.compareAndSet(i, null, s == null ? none : s)) finished.incrementAndGet();
                else return; // given up on while it read: the watcher has started a replacement
            }
        };
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        for (int t = 0; t < threads; t++) start(worker);
        long bound = o.maxWait().toNanos();
        while (finished.get() < n && failure.get() == null) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = System.nanoTime();
            int upTo = Math.min(next.get(), n);
            for (int i = 0; i < upTo; i++) {
                long s = started.get(i);
                if (s == 0 || done.get(i) != null || now - s <= bound) continue;
                int pid = pids.get(i);
                Sample cheap = one(root, new Options(Depth.STATUS, false, false, o.name(), true, o.maxWait()), pid, users);
                Sample late = cheap == null ? null : new Sample(withNote(cheap.memory(),
                        o.depth() == Depth.SMAPS ? "smaps" : "smaps_rollup", o.maxWait()), List.of());
                if (done.compareAndSet(i, null, late == null ? none : late)) {
                    finished.incrementAndGet();
                    notes.add("pid " + pid + ": no answer from its smaps within " + seconds(o.maxWait()) + "; its RSS, swap and hugetlb are from status");
                    start(worker);
                }
            }
        }
        if (failure.get() != null) throw failure.get();
        for (int i = 0; i < n; i++) {
            Object v = done.get(i);
            got[i] = v instanceof Sample s ? s : null;
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static ProcessMemory withNote(ProcessMemory p, String file, Duration wait) {
        return new ProcessMemory(p.pid(), p.user(), p.name(), p.command(), p.values(), null, "proc/" + p.pid() + "/status",
                file + " gave no answer within " + seconds(wait) + "; from status");
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "kvmtune-mem");
        t.setDaemon(true);
        t.start();
    }

    /**
     * One process without a bound on its reading (audit reads a VM's status and numa_maps this way);
     * empty when it is a kernel thread or gone.
     */
    public static Optional<ProcessMemory> readPid(Root root, int pid, Options o) {
        Sample s = one(root, o, pid, users(root));
        return s == null ? Optional.empty() : Optional.of(s.memory());
    }

    /** One process, or null when it is a kernel thread or gone. */
    static Sample one(Root root, Options o, int pid, Map<String, String> users) {
        String dir = "proc/" + pid + "/";
        List<String> argv = ProcessReader.cmdline(root, pid);
        if (argv.isEmpty()) return null;
        String command = String.join(" ", argv);
        Optional<Long> owner = root.owner("proc/" + pid);
        Optional<String> status = o.status() || o.depth() == Depth.STATUS || owner.isEmpty() ? root.read(dir + "status") : Optional.empty();
        Map<String, Long> st = status.map(Smaps::kbFields).orElse(Map.of());
        String uid = owner.map(String::valueOf).orElseGet(() -> status.map(ProcessMemoryReader::effectiveUid).orElse(null));
        String user = uid == null ? null : users.getOrDefault(uid, uid);
        String name = null;
        if (o.name()) {
            name = root.read(dir + "stat").map(ProcessMemoryReader::comm).orElse(null);
            if (name == null) name = status.map(ProcessMemoryReader::statusName).orElse(null);
        }
        Map<MemColumn, Long> v = new EnumMap<>(MemColumn.class);
        String source;
        List<Smaps.Mapping> maps = List.of();
        if (o.depth() == Depth.STATUS) {
            if (status.isEmpty()) return null;
            put(v, MemColumn.RSS, st.get("VmRSS"));
            put(v, MemColumn.SWAP, st.get("VmSwap"));
            put(v, MemColumn.VSS, st.get("VmSize"));
            put(v, MemColumn.LOCKED, st.get("VmLck"));
            source = dir + "status";
        } else {
            Map<String, Long> t;
            Optional<String> rollup = o.depth() == Depth.ROLLUP ? root.read(dir + "smaps_rollup") : Optional.empty();
            if (rollup.isPresent()) {
                t = Smaps.kbFields(rollup.get());
                source = dir + "smaps_rollup";
                put(v, MemColumn.VSS, st.get("VmSize"));
            } else {
                Optional<String> smaps = root.read(dir + "smaps");
                if (smaps.isEmpty()) return null;
                maps = Smaps.parse(smaps.get());
                if (maps.isEmpty()) return null;
                t = Smaps.totals(maps);
                source = dir + "smaps";
                put(v, MemColumn.VSS, t.getOrDefault("Size", 0L));
                v.put(MemColumn.MAPS, (long) maps.size());
            }
            if (t.isEmpty()) return null;
            Long clean = t.get("Private_Clean");
            Long dirty = t.get("Private_Dirty");
            put(v, MemColumn.SWAP, t.getOrDefault("Swap", 0L));
            put(v, MemColumn.USS, clean == null && dirty == null ? null : (clean == null ? 0 : clean) + (dirty == null ? 0 : dirty));
            put(v, MemColumn.PSS, t.get("Pss"));
            put(v, MemColumn.RSS, t.get("Rss"));
            put(v, MemColumn.SWAP_PSS, t.get("SwapPss"));
            put(v, MemColumn.HUGETLB_PRIVATE, t.get("Private_Hugetlb"));
            put(v, MemColumn.HUGETLB_SHARED, t.get("Shared_Hugetlb"));
            put(v, MemColumn.HUGETLB, add(t.get("Private_Hugetlb"), t.get("Shared_Hugetlb")));
            put(v, MemColumn.PSS_ANON, t.get("Pss_Anon"));
            put(v, MemColumn.PSS_FILE, t.get("Pss_File"));
            put(v, MemColumn.PSS_SHMEM, t.get("Pss_Shmem"));
            put(v, MemColumn.LOCKED, t.get("Locked"));
        }
        put(v, MemColumn.HUGETLB, st.get("HugetlbPages"));
        if (o.ksm()) {
            Optional<String> ksm = root.read(dir + "ksm_stat");
            if (ksm.isPresent()) {
                KsmStat k = KsmStat.parse(ksm.get());
                put(v, MemColumn.KSM_PAGES, k.mergingPages());
                Long profit = k.profitBytes();
                put(v, MemColumn.KSM_PROFIT, profit == null ? null : profit / 1024);
            }
        }
        NumaMaps numa = o.numa() ? root.read(dir + "numa_maps").map(NumaMaps::parse).orElse(null) : null;
        return new Sample(new ProcessMemory(pid, user, name, command, v, numa, source, null), maps);
    }

    private static Long add(Long a, Long b) {
        return a == null && b == null ? null : (a == null ? 0 : a) + (b == null ? 0 : b);
    }

    private static void put(Map<MemColumn, Long> v, MemColumn c, Long value) {
        if (value != null) v.put(c, value);
    }

    /** The effective uid, the second of status's four Uid fields: the owner of proc/PID, as smem reads it. */
    public static String effectiveUid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).strip().split("\\s+");
                if (f.length >= 2) return f[1];
                return f.length == 1 && !f[0].isEmpty() ? f[0] : null;
            }
        }
        return null;
    }

    /** The comm between the parentheses of stat (the last ')' ends it: a name may hold one). */
    static String comm(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open < 0 || close <= open ? null : stat.substring(open + 1, close);
    }

    private static String statusName(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Name:")) return line.substring(5).strip();
        }
        return null;
    }

    /** uid to user name from etc/passwd, as smem names users; an unknown uid stays a number. */
    public static Map<String, String> users(Root root) {
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
