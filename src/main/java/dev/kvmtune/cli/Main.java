package dev.kvmtune.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Entry point: runs the CLI and exits with its code. */
public final class Main {
    /** The process's stdout as picocli's writer; commands that emit bytes (folded stacks) recognize it and write System.out directly. */
    static final PrintWriter STDOUT = new PrintWriter(System.out, true);

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cl = KvmtuneCommand.newCommandLine(args, STDOUT, new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        System.exit(cl.execute(args));
    }
}
