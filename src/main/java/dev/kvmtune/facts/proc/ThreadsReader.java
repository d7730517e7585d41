package dev.kvmtune.facts.proc;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import dev.kvmtune.util.Unknown;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The threads that isolation is about: the per-CPU kernel threads (ksoftirqd/N, rcuc/N, rcub/N,
 * rcuog/N, rcuop/N, ktimers/N, kworker/N:M, migration/N, cpuhp/N), the unbound RCU and kworker
 * threads and the threaded IRQ handlers (irq/N-name), each with policy, priority and allowed
 * CPUs; and the user threads allowed on, or last run on, an isolated CPU.
 */
public final class ThreadsReader {
    private static final Pattern PER_CPU = Pattern.compile(
            "^(ksoftirqd|rcuc|rcub|rcuog|rcuop|rcuos|ktimers|migration|cpuhp|watchdog|idle_inject|irq_work)/(\\d+)$");
    private static final Pattern KWORKER = Pattern.compile("^kworker/(\\d+|u\\d+):\\d+H?(-.*)?$");
    private static final Pattern OTHER = Pattern.compile("^(rcu_\\w+|irq/\\d+-.*|kworker/.*|rcuog/.*|rcuop/.*)$");

    /**
     * A kernel thread of interest.
     *
     * @param kind  the name without its CPU suffix: ksoftirqd, rcuc, kworker, irq, ...
     * @param boundCpu the CPU its name says it serves; -1 when unbound (left out of the JSON)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KernelThread(int pid, String name, String kind, @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class) int boundCpu, SchedPolicy policy, int priority,
                               CpuSet allowed, int lastCpu, String source) {
    }

    /** A user thread that can run, or did run, on an isolated CPU. */
    public record UserThread(int pid, int tid, String comm, SchedPolicy policy, int priority, CpuSet allowed, int lastCpu,
                             String source) {
    }

    /**
     * @param processes the user processes (main threads), for checks by process name or command
     *                  line; not part of the facts JSON
     */
    public record Threads(List<KernelThread> kernel, List<UserThread> onIsolated, CpuSet isolatedSetUsed,
                          @JsonIgnore List<ProcessReader.Task> processes) {
    }

    private ThreadsReader() {
    }

    /** @param threads every thread on the host, as {@link ProcessReader#allThreads} gives them */
    public static Threads read(List<ProcessReader.Task> threads, CpuSet isolated) {
        List<KernelThread> kernel = new ArrayList<>();
        List<UserThread> user = new ArrayList<>();
        List<ProcessReader.Task> processes = new ArrayList<>();
        CpuSet iso = isolated == null ? CpuSet.EMPTY : isolated;
        for (ProcessReader.Task t : threads) {
            if (t.kernelThread()) {
                KernelThread k = classify(t);
                if (k != null) kernel.add(k);
                continue;
            }
            if (t.pid() == t.tid()) processes.add(t);
            if (!iso.isEmpty() && ((t.allowed() != null && t.allowed().intersects(iso)) || iso.contains(t.lastCpu()))) {
                user.add(new UserThread(t.pid(), t.tid(), t.comm(), t.policy(), t.priority(), t.allowed(), t.lastCpu(), t.source()));
            }
        }
        return new Threads(kernel, user, iso, List.copyOf(processes));
    }

    static KernelThread classify(ProcessReader.Task t) {
        String name = t.comm();
        Matcher m = PER_CPU.matcher(name);
        String kind;
        int cpu = -1;
        if (m.matches()) {
            kind = m.group(1);
            cpu = (int) Numbers.parseLong(m.group(2), -1);
        } else if ((m = KWORKER.matcher(name)).matches()) {
            kind = "kworker";
            if (!m.group(1).startsWith("u")) cpu = (int) Numbers.parseLong(m.group(1), -1);
        } else if (OTHER.matcher(name).matches()) {
            int slash = name.indexOf('/');
            kind = name.startsWith("rcu_") ? name : name.substring(0, slash);
        } else {
            return null;
        }
        return new KernelThread(t.tid(), name, kind, cpu, t.policy(), t.priority(), t.allowed(), t.lastCpu(), t.source());
    }
}
