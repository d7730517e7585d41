package dev.kvmtune.exits;

import dev.kvmtune.exits.ExitProfile.CounterRow;
import dev.kvmtune.exits.ExitProfile.MsrRow;
import dev.kvmtune.exits.ExitProfile.ReasonRow;
import dev.kvmtune.exits.ExitReasons.Isa;
import dev.kvmtune.exits.ExitReasons.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mutable counters a parser fills: reasons and vCPUs are small ints, counts primitive arrays,
 * so memory grows with distinct reasons and threads, never with events. {@link #profile} turns
 * them into the immutable {@link ExitProfile}.
 */
public final class ExitTally {
    private final Map<String, Integer> reasonIds = new HashMap<>();
    private final List<Reason> reasons = new ArrayList<>();
    private long[] count = new long[16];
    private long[] timed = new long[16];
    private long[] sumNs = new long[16];
    private long[] minNs = new long[16];
    private long[] maxNs = new long[16];
    /** Exit time as the input states it directly (perf kvm stat: avg × samples), in ns. */
    private boolean statedTimes;

    private final Map<String, Integer> slotIds = new LinkedHashMap<>();
    private final List<String> slotNames = new ArrayList<>();
    private long[][] perSlot = new long[4][];

    private final Map<String, long[]> counters = new LinkedHashMap<>();
    private final Map<String, Map<String, Long>> counterPerVcpu = new HashMap<>();
    private final Map<Long, long[]> msrs = new TreeMap<>();

    private Isa isaHint;
    private boolean svmSeen;
    private boolean vmxSeen;
    /** ARM64 or RISCV64 when the input named that architecture's exits (their names are in the trace text). */
    private Isa otherSeen;
    long unknownLines;
    private final List<String> notes = new ArrayList<>();

    public ExitTally(Isa isaHint) {
        this.isaHint = isaHint;
        Arrays.fill(minNs, Long.MAX_VALUE);
    }

    public void isaHint(Isa isa) {
        this.isaHint = isa;
    }

    /** The id of a reason as written (any spelling); resolved once per distinct spelling. */
    public int reasonId(String written) {
        Integer id = reasonIds.get(written);
        if (id != null) return id;
        return register(written, ExitReasons.byName(written, isaHint));
    }

    /** The id of a reason by code. */
    public int reasonId(Isa isa, long code) {
        Reason r = ExitReasons.byCode(isa, code);
        String key = isa + ":" + code;
        Integer id = reasonIds.get(key);
        return id != null ? id : register(key, r);
    }

    private int register(String key, Reason r) {
        if (r.isa() == Isa.SVM && r.code() != null) svmSeen = true;
        if (r.isa() == Isa.VMX && r.code() != null) vmxSeen = true;
        if (r.isa() == Isa.ARM64 || r.isa() == Isa.RISCV64) otherSeen = r.isa();
        // Two spellings of one reason (PENDING_INTERRUPT, INTERRUPT_WINDOW) share one id.
        for (int i = 0; i < reasons.size(); i++) {
            if (reasons.get(i).equals(r)) {
                reasonIds.put(key, i);
                return i;
            }
        }
        int id = reasons.size();
        reasons.add(r);
        reasonIds.put(key, id);
        if (id >= count.length) {
            int n = count.length * 2;
            count = Arrays.copyOf(count, n);
            timed = Arrays.copyOf(timed, n);
            sumNs = Arrays.copyOf(sumNs, n);
            int old = minNs.length;
            minNs = Arrays.copyOf(minNs, n);
            Arrays.fill(minNs, old, n, Long.MAX_VALUE);
            maxNs = Arrays.copyOf(maxNs, n);
            for (int s = 0; s < slotNames.size(); s++) perSlot[s] = Arrays.copyOf(perSlot[s], n);
        }
        return id;
    }

    /** The id of a per-vCPU column ("vcpu 0", "tid 1234 (CPU 0/KVM)"). */
    public int slotId(String name) {
        Integer id = slotIds.get(name);
        if (id != null) return id;
        int s = slotNames.size();
        slotNames.add(name);
        slotIds.put(name, s);
        if (s >= perSlot.length) perSlot = Arrays.copyOf(perSlot, s * 2);
        perSlot[s] = new long[count.length];
        return s;
    }

    public void add(int reason, long n) {
        count[reason] += n;
    }

    public void add(int reason, int slot, long n) {
        count[reason] += n;
        perSlot[slot][reason] += n;
    }

    /** One exit of {@code reason} that lasted {@code ns} until the next entry. */
    public void time(int reason, long ns) {
        timed[reason]++;
        sumNs[reason] += ns;
        if (ns < minNs[reason]) minNs[reason] = ns;
        if (ns > maxNs[reason]) maxNs[reason] = ns;
    }

    /** Time as a summary states it (perf kvm stat report): n exits, their total, min and max. */
    public void stated(int reason, long n, long totalNs, long min, long max) {
        statedTimes = true;
        timed[reason] += n;
        sumNs[reason] += totalNs;
        minNs[reason] = Math.min(minNs[reason], min);
        maxNs[reason] = Math.max(maxNs[reason], max);
    }

    public void counter(String name, long delta) {
        counters.computeIfAbsent(name, k -> new long[1])[0] += delta;
    }

    public void counter(String name, String vcpu, long delta) {
        counter(name, delta);
        counterPerVcpu.computeIfAbsent(name, k -> new TreeMap<>()).merge(vcpu, delta, Long::sum);
    }

    /** An MSR access: {@code write} true/false, or null when the input does not say. */
    public void msr(long index, Boolean write, long n) {
        long[] c = msrs.computeIfAbsent(index, k -> new long[3]);
        c[write == null ? 2 : write ? 1 : 0] += n;
    }

    public void unknownLine() {
        unknownLines++;
    }

    public void note(String note) {
        if (!notes.contains(note)) notes.add(note);
    }

    public long events() {
        long n = 0;
        for (int i = 0; i < reasons.size(); i++) n += count[i];
        return n;
    }

    public ExitProfile profile(String input, String format, Double seconds, String secondsFrom) {
        List<ReasonRow> rows = new ArrayList<>();
        for (int i = 0; i < reasons.size(); i++) {
            if (count[i] == 0 && timed[i] == 0) continue;
            Reason r = reasons.get(i);
            Map<String, Long> per = new LinkedHashMap<>();
            for (int s = 0; s < slotNames.size(); s++) {
                if (perSlot[s][i] != 0) per.put(slotNames.get(s), perSlot[s][i]);
            }
            Long t = timed[i] == 0 ? null : timed[i];
            rows.add(new ReasonRow(r.name(), r.isa() == null ? null : r.isa().name(), r.code(), r.kind().name(), count[i], per, t,
                    t == null ? null : us(minNs[i]), t == null ? null : us((double) sumNs[i] / timed[i]), t == null ? null : us(maxNs[i])));
        }
        rows.sort(Comparator.comparingLong(ReasonRow::count).reversed().thenComparing(ReasonRow::reason));
        List<CounterRow> cs = new ArrayList<>();
        counters.forEach((k, v) -> cs.add(new CounterRow(k, v[0], counterPerVcpu.getOrDefault(k, Map.of()))));
        List<MsrRow> ms = new ArrayList<>();
        msrs.forEach((k, v) -> ms.add(new MsrRow(Msrs.hex(k), Msrs.name(k), v[0], v[1], v[2])));
        ms.sort(Comparator.comparingLong(MsrRow::total).reversed().thenComparing(MsrRow::msr));
        String isa = otherSeen != null ? otherSeen.name() : svmSeen && !vmxSeen ? "SVM" : vmxSeen && !svmSeen ? "VMX"
                : isaHint == null ? null : isaHint.name();
        if (statedTimes) note("time in exit as the input states it");
        return new ExitProfile(null, input, format, null, isa, seconds, seconds == null ? null : secondsFrom, null, events(), rows, cs, ms,
                unknownLines, List.copyOf(notes));
    }

    private static double us(double ns) {
        return Math.round(ns / 10.0) / 100.0;
    }
}
