package dev.kvmtune.exits;

import dev.kvmtune.util.ByteKeyMap;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * kvm:kvm_exit, kvm:kvm_entry and kvm:kvm_msr lines as perf script, trace-cmd report and the raw
 * ftrace buffer (trace, trace_pipe) print them. The payload is the kernel's TP_printk of
 * arch/x86/kvm/trace.h in each generation:
 * <pre>
 *   kvm_exit  "reason %s rip 0x%lx info %llx %llx"                                   (to 5.9)
 *             "reason %s%s%s rip 0x%lx info1 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x"
 *             "vcpu %u reason %s%s%s rip ... error_code 0x%08x"                       (5.13+)
 *             "vcpu %u reason %s%s%s rip ... error_code 0x%08x requests 0x%016llx"    (6.x)
 *   kvm_entry "vcpu %u" / "vcpu %u, rip 0x%lx" / "vcpu %u, rip 0x%lx intr_info 0x%08x error_code 0x%08x%s"
 *   kvm_msr   "msr_%s %x = 0x%llx%s"   (read|write, index in hex without 0x)
 * </pre>
 * and the line prefixes: perf script {@code COMM PID[/TID] [CPU] SEC.USEC: kvm:kvm_exit: ...},
 * trace-cmd {@code COMM-TID [CPU] SEC.USEC: kvm_exit: ...}, ftrace {@code COMM-TID [CPU] FLAGS
 * SEC.USEC: kvm_exit: ...} (comm may hold spaces: "CPU 0/KVM").
 *
 * <p>Works on bytes in a reused buffer, exit names interned once, threads in primitive arrays, so
 * memory stays flat however long the trace; an exit is timed against the same thread's next entry.
 */
public final class TraceLineParser {
    private static final byte[] EXIT = "kvm_exit:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENTRY = "kvm_entry:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MSR = "kvm_msr:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REASON = "reason ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RIP = " rip ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LINE = 1 << 20;

    private final ExitTally tally;
    private final String file;
    private final Warnings warnings;

    /** Exit reason names by their bytes → the tally's reason id. */
    private final ByteKeyMap reasons = new ByteKeyMap();

    private int[] tids = new int[64];
    private int[] tidSlot = new int[64];
    private int threads;
    private int[] slotOf = new int[16];
    private int[] pendingReason = new int[16];
    private long[] pendingTs = new long[16];

    private long firstTs = -1;
    private long lastTs = -1;
    private String format;
    private long otherEvents;
    private long lineNo;

    public TraceLineParser(ExitTally tally, String file, Warnings warnings) {
        this.tally = tally;
        this.file = file;
        this.warnings = warnings;
        Arrays.fill(tids, -1);
    }

    /** perf-script, trace-cmd or ftrace, from the first event line; null before one was seen. */
    public String format() {
        return format;
    }

    public Double seconds() {
        return firstTs >= 0 && lastTs > firstTs ? (lastTs - firstTs) / 1e9 : null;
    }

    public long otherEvents() {
        return otherEvents;
    }

    /** Reads the stream to its end; a line over 1 MiB is skipped with a warning. */
    public void parse(InputStream in) throws IOException {
        dev.kvmtune.util.ByteLines.read(in, MAX_LINE, this::line, () -> {
            lineNo++;
            warnings.once("long-line", file + ":" + lineNo + ": line longer than " + MAX_LINE + " bytes skipped");
            tally.unknownLine();
        });
        if (otherEvents > 0) tally.note(otherEvents + " other trace events ignored");
    }

    /** One line [s, e). Public for the fuzz and parser tests. */
    public void line(byte[] b, int s, int e) {
        lineNo++;
        if (e > s && b[e - 1] == '\r') e--;
        int p = s;
        while (p < e && b[p] == ' ') p++;
        if (p == e || b[p] == '#') return;
        int m = find(b, p, e);
        if (m < 0) {
            if (looksLikeEvent(b, p, e)) otherEvents++;
            else unknown(b, s, e);
            return;
        }
        int kind = b[m + 4] == 'e' ? (b[m + 5] == 'x' ? 0 : 1) : 2;
        int payload = m + (kind == 0 ? EXIT.length : kind == 1 ? ENTRY.length : MSR.length);
        boolean perf = m - 4 >= s && b[m - 4] == 'k' && b[m - 3] == 'v' && b[m - 2] == 'm' && b[m - 1] == ':';
        int evStart = perf ? m - 4 : m;
        // Timestamp: the token before the event name, "SEC.FRAC:".
        int te = evStart - 1;
        while (te > s && b[te] == ' ') te--;
        if (te <= s || b[te] != ':') {
            unknown(b, s, e);
            return;
        }
        int ts0 = te - 1;
        while (ts0 >= s && b[ts0] != ' ') ts0--;
        long ts = parseTime(b, ts0 + 1, te);
        if (ts < 0) {
            unknown(b, s, e);
            return;
        }
        // Back over [CPU] and, for ftrace, the flags column to the thread token.
        int q = ts0;
        boolean flags = false;
        int tokEnd = skipBackSpaces(b, s, q);
        int tokStart = tokenStart(b, s, tokEnd);
        if (tokStart >= 0 && b[tokStart] != '[' && tokEnd > tokStart) {
            int prevEnd = skipBackSpaces(b, s, tokStart - 1);
            int prevStart = tokenStart(b, s, prevEnd);
            if (prevStart >= 0 && b[prevStart] == '[') {
                flags = true;
                tokEnd = prevEnd;
                tokStart = prevStart;
            }
        }
        if (tokStart >= 0 && b[tokStart] == '[') {
            tokEnd = skipBackSpaces(b, s, tokStart - 1);
            tokStart = tokenStart(b, s, tokEnd);
        }
        int tid = -1;
        int commEnd = -1;
        if (tokStart >= 0 && tokEnd >= tokStart) {
            int d = tokEnd;
            while (d >= tokStart && b[d] >= '0' && b[d] <= '9') d--;
            if (d < tokEnd) {
                tid = parseInt(b, d + 1, tokEnd + 1);
                if (d < tokStart || b[d] == '/') commEnd = tokStart; // perf: COMM PID[/TID]
                else if (b[d] == '-') commEnd = d;                  // ftrace / trace-cmd: COMM-TID
                else tid = -1;
            }
        }
        if (format == null) format = perf ? "perf-script" : flags ? "ftrace" : "trace-cmd";
        if (firstTs < 0 || ts < firstTs) firstTs = firstTs < 0 ? ts : Math.min(firstTs, ts);
        if (ts > lastTs) lastTs = ts;
        int pl = payload;
        while (pl < e && b[pl] == ' ') pl++;
        switch (kind) {
            case 0 -> exit(b, s, pl, e, tid, commEnd, ts);
            case 1 -> entry(tid, ts);
            default -> msr(b, s, pl, e);
        }
    }

    private void exit(byte[] b, int s, int pl, int e, int tid, int commEnd, long ts) {
        int vcpu = -1;
        int r = pl;
        if (startsWith(b, pl, e, "vcpu ")) {
            int v = pl + 5;
            int ve = v;
            while (ve < e && b[ve] >= '0' && b[ve] <= '9') ve++;
            if (ve > v) vcpu = parseInt(b, v, ve);
            r = ve;
            while (r < e && b[r] == ' ') r++;
        }
        int reason;
        if (startsWith(b, r, e, "reason ")) {
            int ns = r + REASON.length;
            int ne = indexOf(b, ns, e, RIP);
            if (ne < 0) ne = e;
            while (ne > ns && b[ne - 1] == ' ') ne--;
            if (ne == ns) {
                unknown(b, s, e);
                return;
            }
            reason = intern(b, ns, ne);
        } else {
            reason = otherArch(b, pl, e);
            if (reason < 0) {
                unknown(b, s, e);
                return;
            }
            if (vcpu < 0) vcpu = armVcpu(b, pl, e);
        }
        int thread = tid >= 0 ? thread(tid, vcpu, b, s, commEnd) : -1;
        if (thread >= 0) {
            tally.add(reason, slotOf[thread], 1);
            pendingReason[thread] = reason;
            pendingTs[thread] = ts;
        } else if (vcpu >= 0) {
            tally.add(reason, tally.slotId("vcpu " + vcpu), 1);
        } else {
            tally.add(reason, 1);
        }
    }

    private static final byte[] HSR_EC = " HSR_EC: 0x".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCAUSE = " SCAUSE:0x".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARM_VCPU = ": vcpu: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPEN = {'('};
    private static final byte[] CLOSE = {')'};

    /**
     * arm64 (arch/arm64/kvm/trace_arm.h) and riscv64 (arch/riscv/kvm/trace.h) kvm_exit payloads:
     * <pre>
     *   arm64    "%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx"        TYPE, exception class, its name
     *            "%s: vcpu: %u HSR_EC: 0x%04x (%s), PC: ..."     (kvm_exit_v2 of some vendor kernels)
     *   riscv64  "%s: SEPC:0x%lx, SCAUSE:0x%lx (%s), STVAL:..."  IRQ/EXC, scause, its name
     * </pre>
     * arm64's reason is the exception class name for a TRAP and the type otherwise (IRQ, SERROR ...);
     * riscv64's is the scause name, decoded from the number where the kernel printed one.
     * Returns the reason id, or -1 when the payload is neither.
     */
    private int otherArch(byte[] b, int pl, int e) {
        int colon = pl;
        while (colon < e && b[colon] != ':' && b[colon] != ' ') colon++;
        if (colon == pl || colon >= e || b[colon] != ':') return -1;
        int ec = indexOf(b, colon, e, HSR_EC);
        if (ec >= 0) {
            if (!(colon - pl == 4 && startsWith(b, pl, e, "TRAP"))) return intern(b, pl, colon);
            int open = indexOf(b, ec, e, OPEN);
            int close = open < 0 ? -1 : indexOf(b, open, e, CLOSE);
            if (close <= open + 1) return -1;
            return intern(b, open + 1, close);
        }
        int sc = indexOf(b, colon, e, SCAUSE);
        if (sc < 0) return -1;
        int open = indexOf(b, sc, e, OPEN);
        int close = open < 0 ? -1 : indexOf(b, open, e, CLOSE);
        if (close <= open + 1) return -1;
        if (!startsWith(b, open + 1, close, "0x")) return intern(b, open + 1, close);
        // a number: the kernel's table lacked the cause (interrupts have the top bit set); name it here
        long cause = 0;
        int q = sc + SCAUSE.length;
        int digits = 0;
        for (; q < e && digits < 16; q++, digits++) {
            int h = Character.digit(b[q], 16);
            if (h < 0) break;
            cause = (cause << 4) | h;
        }
        if (digits == 0) return -1;
        return tally.reasonId(ExitReasons.riscvCause(cause));
    }

    /** The vCPU of arm64's "TYPE: vcpu: N HSR_EC ..." form; -1 when the line has none. */
    private static int armVcpu(byte[] b, int pl, int e) {
        int v = indexOf(b, pl, e, ARM_VCPU);
        if (v < 0) return -1;
        int d = v + ARM_VCPU.length;
        int de = d;
        while (de < e && de - d < 9 && b[de] >= '0' && b[de] <= '9') de++;
        return de > d ? parseInt(b, d, de) : -1;
    }

    private void entry(int tid, long ts) {
        if (tid < 0) return;
        int t = lookup(tid);
        if (t < 0 || pendingReason[t] < 0) return;
        long d = ts - pendingTs[t];
        if (d >= 0) tally.time(pendingReason[t], d);
        pendingReason[t] = -1;
    }

    private void msr(byte[] b, int s, int pl, int e) {
        boolean write;
        int p;
        if (startsWith(b, pl, e, "msr_write ")) {
            write = true;
            p = pl + 10;
        } else if (startsWith(b, pl, e, "msr_read ")) {
            write = false;
            p = pl + 9;
        } else {
            unknown(b, s, e);
            return;
        }
        long idx = 0;
        int q = p;
        for (; q < e && q - p < 16; q++) {
            int h = Character.digit(b[q], 16);
            if (h < 0) break;
            idx = idx * 16 + h;
        }
        if (q == p) {
            unknown(b, s, e);
            return;
        }
        tally.msr(idx, write, 1);
    }

    private int thread(int tid, int vcpu, byte[] b, int s, int commEnd) {
        int t = lookup(tid);
        if (t >= 0) return t;
        t = threads++;
        if (t >= slotOf.length) {
            slotOf = Arrays.copyOf(slotOf, t * 2);
            pendingReason = Arrays.copyOf(pendingReason, t * 2);
            pendingTs = Arrays.copyOf(pendingTs, t * 2);
        }
        String comm = commEnd > s ? new String(b, s, commEnd - s, StandardCharsets.UTF_8).strip() : "";
        Integer v = vcpu >= 0 ? Integer.valueOf(vcpu) : vcpuFromComm(comm);
        String label = v != null ? "vcpu " + v + " (tid " + tid + ")" : "tid " + tid + (comm.isEmpty() ? "" : " (" + comm + ")");
        slotOf[t] = tally.slotId(label);
        pendingReason[t] = -1;
        insert(tid, t);
        return t;
    }

    private static Integer vcpuFromComm(String comm) {
        // QEMU names vCPU threads "CPU n/KVM" with debug-threads=on; the kernel keeps 15 bytes.
        if (!comm.startsWith("CPU ")) return null;
        int slash = comm.indexOf('/');
        if (slash < 5) return null;
        long n = Numbers.parseLong(comm.substring(4, slash), -1);
        return n >= 0 && n <= Integer.MAX_VALUE ? (int) n : null;
    }

    private int lookup(int tid) {
        int mask = tids.length - 1;
        for (int i = mix(tid) & mask; ; i = (i + 1) & mask) {
            if (tids[i] == tid) return tidSlot[i];
            if (tids[i] == -1) return -1;
        }
    }

    private void insert(int tid, int t) {
        if (threads * 2 > tids.length) {
            int[] ot = tids;
            int[] os = tidSlot;
            tids = new int[ot.length * 2];
            tidSlot = new int[ot.length * 2];
            Arrays.fill(tids, -1);
            for (int i = 0; i < ot.length; i++) {
                if (ot[i] != -1) put(ot[i], os[i]);
            }
        }
        put(tid, t);
    }

    private void put(int tid, int t) {
        int mask = tids.length - 1;
        int i = mix(tid) & mask;
        while (tids[i] != -1) i = (i + 1) & mask;
        tids[i] = tid;
        tidSlot[i] = t;
    }

    private static int mix(int x) {
        x *= 0x9E3779B9;
        return x ^ (x >>> 16);
    }

    private int intern(byte[] b, int s, int e) {
        int[] id = reasons.get(b, s, e, false);
        if (id == null) {
            id = new int[] {tally.reasonId(new String(b, s, e - s, StandardCharsets.UTF_8))};
            reasons.put(b, s, e, false, id);
        }
        return id[0];
    }

    /** "SEC.FRAC" to nanoseconds; -1 when it is not one. */
    static long parseTime(byte[] b, int s, int e) {
        long sec = 0;
        int i = s;
        for (; i < e && b[i] != '.'; i++) {
            if (b[i] < '0' || b[i] > '9' || i - s > 12) return -1;
            sec = sec * 10 + (b[i] - '0');
        }
        if (i == s) return -1;
        long frac = 0;
        int digits = 0;
        if (i < e) {
            for (i++; i < e; i++) {
                if (b[i] < '0' || b[i] > '9') return -1;
                if (digits < 9) {
                    frac = frac * 10 + (b[i] - '0');
                    digits++;
                }
            }
        }
        for (; digits < 9; digits++) frac *= 10;
        return sec * 1_000_000_000L + frac;
    }

    private static int parseInt(byte[] b, int s, int e) {
        long v = 0;
        for (int i = s; i < e; i++) {
            v = v * 10 + (b[i] - '0');
            if (v > Integer.MAX_VALUE) return -1;
        }
        return (int) v;
    }

    private static int skipBackSpaces(byte[] b, int s, int i) {
        while (i >= s && b[i] == ' ') i--;
        return i;
    }

    /** Start of the token ending at {@code end}, or -1 when there is none. */
    private static int tokenStart(byte[] b, int s, int end) {
        if (end < s) return -1;
        int i = end;
        while (i >= s && b[i] != ' ') i--;
        return i + 1;
    }

    /** The position of kvm_exit:/kvm_entry:/kvm_msr: followed by a space, or -1. */
    private static int find(byte[] b, int s, int e) {
        for (int i = s; i + 8 < e; i++) {
            if (b[i] != 'k' || b[i + 1] != 'v' || b[i + 2] != 'm' || b[i + 3] != '_') continue;
            if (match(b, i, e, EXIT) || match(b, i, e, ENTRY) || match(b, i, e, MSR)) return i;
        }
        return -1;
    }

    private static boolean match(byte[] b, int i, int e, byte[] word) {
        int end = i + word.length;
        if (end >= e || b[end] != ' ') return end == e && Arrays.equals(b, i, end, word, 0, word.length);
        return Arrays.equals(b, i, end, word, 0, word.length);
    }

    /** Some other event line ("... SEC.USEC: name: ..."), which a kvm trace may well contain. */
    private static boolean looksLikeEvent(byte[] b, int s, int e) {
        for (int i = s; i + 2 < e; i++) {
            if (b[i] == ':' && b[i + 1] == ' ' && i > s && b[i - 1] >= '0' && b[i - 1] <= '9') {
                int d = i - 1;
                while (d > s && (b[d] >= '0' && b[d] <= '9')) d--;
                return b[d] == '.';
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] b, int s, int e, String p) {
        if (e - s < p.length()) return false;
        for (int i = 0; i < p.length(); i++) {
            if (b[s + i] != p.charAt(i)) return false;
        }
        return true;
    }

    private static int indexOf(byte[] b, int s, int e, byte[] w) {
        outer:
        for (int i = s; i + w.length <= e; i++) {
            for (int j = 0; j < w.length; j++) {
                if (b[i + j] != w[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private void unknown(byte[] b, int s, int e) {
        tally.unknownLine();
        warnings.once("unknown-line", file + ":" + lineNo + ": not a kvm_exit/kvm_entry/kvm_msr line: "
                + Warnings.excerpt(new String(b, s, Math.min(e - s, 120), StandardCharsets.UTF_8)));
    }
}
