package dev.kvmtune.settings.change;

import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.util.CpuSet;
import java.util.Locale;

/**
 * A thread's scheduling as apply sets it: policy, realtime priority (0 for the normal policies)
 * and allowed CPUs. Written in journals as {@code fifo:2 cpus=0-1}.
 */
public record SchedState(SchedPolicy policy, int priority, CpuSet cpus) {

    public SchedState {
        if (policy == SchedPolicy.UNKNOWN || policy == SchedPolicy.DEADLINE) {
            throw new IllegalArgumentException("policy " + policy + " cannot be set by kvmtune");
        }
        if (policy.realtime() ? priority < 1 || priority > 99 : priority != 0) {
            throw new IllegalArgumentException(policy.chrtName() + " takes priority " + (policy.realtime() ? "1-99" : "0") + ", not " + priority);
        }
    }

    /** This state with the wanted parts replaced; a null policy or CPU set keeps the current one. */
    public SchedState with(SchedPolicy wantPolicy, int wantPriority, CpuSet wantCpus) {
        SchedPolicy p = wantPolicy == null ? policy : wantPolicy;
        int prio = wantPolicy == null ? priority : p.realtime() ? Math.max(1, wantPriority) : 0;
        return new SchedState(p, prio, wantCpus == null ? cpus : wantCpus);
    }

    @Override
    public String toString() {
        return policy.name().toLowerCase(Locale.ROOT) + ":" + priority + " cpus=" + cpus.toList();
    }

    /** Parses {@link #toString()}. */
    public static SchedState parse(String text) {
        String[] parts = text.strip().split("\\s+");
        if (parts.length != 2 || !parts[1].startsWith("cpus=")) throw new IllegalArgumentException("not 'policy:priority cpus=LIST': " + text);
        String[] pp = parts[0].split(":", 2);
        if (pp.length != 2) throw new IllegalArgumentException("not 'policy:priority cpus=LIST': " + text);
        return new SchedState(SchedPolicy.valueOf(pp[0].toUpperCase(Locale.ROOT)), Integer.parseInt(pp[1]),
                CpuSet.parseList(parts[1].substring(5)));
    }
}
