package dev.kvmtune.apply;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.settings.change.ErrnoException;
import dev.kvmtune.settings.change.SchedState;
import dev.kvmtune.settings.change.ThreadScheduler;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.util.BitSet;

/**
 * sched_getaffinity / sched_setaffinity and sched_getscheduler / sched_setscheduler on the
 * running host. Linux takes a thread id wherever these take a pid, so each thread of a process is
 * set on its own.
 */
public final class LiveThreadScheduler implements ThreadScheduler {
    /** SCHED_RESET_ON_FORK is or-ed into the policy sched_getscheduler returns. */
    private static final int RESET_ON_FORK = 0x40000000;
    /** Bytes of cpu_set_t passed to the kernel: 8192 CPUs, more than any nr_cpu_ids in use. */
    private static final int MASK_BYTES = 1024;

    /** Whether this process runs as root, which setting other processes' scheduling needs. */
    public static boolean isRoot() {
        return Libc.INSTANCE.geteuid() == 0;
    }

    @Override
    public SchedState get(int pid, int tid) throws IOException {
        try {
            CpuSet cpus = affinity(tid);
            int policy = Libc.INSTANCE.sched_getscheduler(tid) & ~RESET_ON_FORK;
            int[] param = new int[1];
            Libc.INSTANCE.sched_getparam(tid, param);
            return new SchedState(SchedPolicy.of(policy), param[0], cpus);
        } catch (LastErrorException e) {
            throw failure("read the scheduling of", tid, e);
        }
    }

    @Override
    public void set(int pid, int tid, SchedState state) throws IOException {
        try {
            // Affinity first: a thread raised to SCHED_FIFO must not run for a moment on a CPU it is leaving.
            // Only when it changes: per-CPU kernel threads (PF_NO_SETAFFINITY) refuse even their own mask with EINVAL.
            if (!affinity(tid).equals(state.cpus())) {
                BitSet bits = new BitSet();
                state.cpus().forEachCpu(bits::set);
                byte[] mask = java.util.Arrays.copyOf(bits.toByteArray(), MASK_BYTES);
                Libc.INSTANCE.sched_setaffinity(tid, new NativeLong(mask.length), mask);
            }
            Libc.INSTANCE.sched_setscheduler(tid, state.policy().number(), new int[] {state.priority()});
        } catch (LastErrorException e) {
            throw failure("set the scheduling of", tid, e);
        }
    }

    private static CpuSet affinity(int tid) {
        byte[] mask = new byte[MASK_BYTES];
        Libc.INSTANCE.sched_getaffinity(tid, new NativeLong(mask.length), mask);
        return CpuSet.of(BitSet.valueOf(mask).stream().toArray());
    }

    private static IOException failure(String what, int tid, LastErrorException e) {
        if (e.getErrorCode() == Libc.ESRCH) return new ThreadGoneException(tid);
        return new ErrnoException("cannot " + what + " thread " + tid, e.getErrorCode(), Libc.INSTANCE.strerror(e.getErrorCode()));
    }
}
