package dev.kvmtune;

/** Input the tool cannot use: names the file (and line when there is one); exit code 2. */
public class BadInputException extends KvmtuneException {
    public BadInputException(String message) {
        super(ExitCodes.BAD_INPUT, message);
    }

    public BadInputException(String message, Throwable cause) {
        super(ExitCodes.BAD_INPUT, message, cause);
    }

    /** A file that could not be read: missing, not permitted, or another I/O failure, in one message naming it. */
    public static BadInputException reading(java.nio.file.Path file, java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return new BadInputException(file + ": no such file");
        if (e instanceof java.nio.file.AccessDeniedException) return new BadInputException(file + ": permission denied");
        return new BadInputException(file + ": cannot read: " + e.getMessage(), e);
    }

    public static BadInputException at(String file, int line, String what) {
        return new BadInputException(file + ":" + line + ": " + what);
    }
}
