package dev.kvmtune.facts.vm.qmp;

/**
 * A QMP failure. {@link Kind#ERROR} is QEMU's own answer ({@code {"error": {"class": ..., "desc": ...}}});
 * the other kinds are the connection's.
 */
public final class QmpException extends Exception {
    public enum Kind { CONNECT, TIMEOUT, CLOSED, PROTOCOL, ERROR }

    private final Kind kind;
    private final String errorClass;

    public QmpException(Kind kind, String errorClass, String message) {
        super(message);
        this.kind = kind;
        this.errorClass = errorClass;
    }

    public Kind kind() {
        return kind;
    }

    /** QMP error class (GenericError, CommandNotFound, DeviceNotFound, ...) for {@link Kind#ERROR}; else null. */
    public String errorClass() {
        return errorClass;
    }
}
