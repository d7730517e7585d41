package dev.kvmtune.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point: runs the CLI and exits with its code. */
public final class Main {
    /** The process's stdout as picocli's writer; commands that emit bytes (folded stacks) recognize it and write System.out directly. */
    static final PrintWriter STDOUT = new PrintWriter(System.out, true);

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cl = KvmtuneCommand.newCommandLine(args);
        cl.setOut(STDOUT);
        System.exit(cl.execute(args));
    }
}
