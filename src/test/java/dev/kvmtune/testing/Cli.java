package dev.kvmtune.testing;

import dev.kvmtune.cli.KvmtuneCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process, as the launcher would, and keeps exit code, stdout and stderr. */
public final class Cli {
    public record Result(int exit, String out, String err) {
    }

    private Cli() {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = KvmtuneCommand.newCommandLine(args, new PrintWriter(out, true), err);
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
