package dev.kvmtune;

/** Input the tool cannot use: names the file (and line when there is one); exit code 2. */
public class BadInputException extends KvmtuneException {
    public BadInputException(String message) {
        super(ExitCodes.BAD_INPUT, message);
    }

    public BadInputException(String message, Throwable cause) {
        super(ExitCodes.BAD_INPUT, message, cause);
    }

    public static BadInputException at(String file, int line, String what) {
        return new BadInputException(file + ":" + line + ": " + what);
    }
}
