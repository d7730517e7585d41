package dev.kvmtune;

/** Every exit code kvmtune uses, in one place (DESIGN.md). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int BAD_INPUT = 2;
    public static final int FINDINGS = 3;
    public static final int APPLY_ROLLED_BACK = 4;
    public static final int ROLLBACK_INCOMPLETE = 5;

    private ExitCodes() {
    }
}
