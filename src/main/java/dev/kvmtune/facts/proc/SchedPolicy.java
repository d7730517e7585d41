package dev.kvmtune.facts.proc;

/** Scheduling policies by the numbers in include/uapi/linux/sched.h, named as chrt(1) names them. */
public enum SchedPolicy {
    OTHER(0), FIFO(1), RR(2), BATCH(3), IDLE(5), DEADLINE(6), UNKNOWN(-1);

    private final int number;

    SchedPolicy(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public boolean realtime() {
        return this == FIFO || this == RR || this == DEADLINE;
    }

    public static SchedPolicy of(long n) {
        for (SchedPolicy p : values()) {
            if (p.number == n) return p;
        }
        return UNKNOWN;
    }

    /** The chrt spelling: SCHED_FIFO. */
    public String chrtName() {
        return "SCHED_" + name();
    }
}
