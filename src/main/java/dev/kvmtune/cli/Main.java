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
        // KVMTUNE_STARTUP_TRACE=1: when main began, the command line was built and the command ended, in ms of the
        // Unix epoch, for bench/startup.sh to set beside the launcher's exec of java (strace -ttt)
        boolean trace = System.getenv("KVMTUNE_STARTUP_TRACE") != null;
        long entered = trace ? System.currentTimeMillis() : 0;
        // picocli otherwise looks for Groovy's Closure class, which is nowhere: the search opens every jar on the
        // class path (22), where the classes of a run come from the class archive without opening any
        System.setProperty("picocli.disable.closures", "true");
        CommandLine cl = KvmtuneCommand.newCommandLine(args, STDOUT, new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        long built = trace ? System.currentTimeMillis() : 0;
        int code = cl.execute(args);
        if (trace) {
            System.err.println("kvmtune: startup trace: main " + entered + " built " + built + " done " + System.currentTimeMillis());
        }
        System.exit(code);
    }
}
