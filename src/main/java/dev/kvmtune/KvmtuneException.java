package dev.kvmtune;

/** A domain error: its message is shown to the user as one line, and it carries the exit code. */
public class KvmtuneException extends RuntimeException {
    private final int exitCode;

    public KvmtuneException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public KvmtuneException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
