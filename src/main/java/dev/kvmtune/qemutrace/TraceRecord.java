package dev.kvmtune.qemutrace;

/**
 * One record as the readers hand it over. The object and its string bytes are reused: valid only
 * during the {@link Sink#record} call.
 */
public final class TraceRecord {
    /** Receives the records of a trace in file order. */
    public interface Sink {
        void record(TraceRecord r) throws java.io.IOException;
    }

    TraceEvent event;
    /** A small number for the event, the same for all its records in one read (dense from 0): sinks index arrays with it. */
    int eventKey;
    long timestampNs;
    boolean hasTimestamp;
    long pid;
    boolean hasPid;
    /** Binary records: each argument's 8-byte value (unsigned), or for strings their offset in {@link #bytes}. */
    final long[] values = new long[16];
    final int[] stringLength = new int[16];
    /** Log-backend records: the argument text after the name, {@code bytes[textStart, textEnd)}. */
    int textStart;
    int textEnd;
    byte[] bytes;
    boolean text;

    public TraceEvent event() {
        return event;
    }

    public int eventKey() {
        return eventKey;
    }

    /** Nanoseconds (unsigned 64-bit for binary traces); only meaningful when {@link #hasTimestamp()}. */
    public long timestampNs() {
        return timestampNs;
    }

    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /** Thread id (log backend) or process id (simple backend v3+), unsigned 32-bit. */
    public long pid() {
        return pid;
    }

    public boolean hasPid() {
        return hasPid;
    }

    /** Log-backend record: arguments as the printed text. */
    public boolean isText() {
        return text;
    }

    public long value(int arg) {
        return values[arg];
    }

    public String string(int arg) {
        return new String(bytes, (int) values[arg], stringLength[arg], java.nio.charset.StandardCharsets.UTF_8);
    }

    public String argumentText() {
        return new String(bytes, textStart, textEnd - textStart, java.nio.charset.StandardCharsets.UTF_8);
    }
}
