package dev.kvmtune.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's training run, once per build: runs the usual commands in one JVM, on a captured
 * host, on recorded perf output from the checkout and, for {@code facts}, on the host itself (the
 * live reader's classes differ from the snapshot's), output discarded, so that the class archive
 * written when the JVM exits (CDS, or JDK 25's ahead-of-time cache) holds the classes each of them
 * loads. It only reads: the files named, and the host's /proc and /sys as {@code kvmtune facts} does.
 *
 * <p>Usage: {@code java -XX:ArchiveClassesAtExit=A -cp kvmtune.jar dev.kvmtune.cli.Training CHECKOUT}
 */
public final class Training {
    private Training() {
    }

    public static void main(String[] args) {
        Path checkout = Path.of(args.length > 0 ? args[0] : ".");
        Path snapshot = checkout.resolve("src/test/resources/roots/nested-kvm-2cpu-tuned/snapshot.tar.gz");
        Path perf = checkout.resolve("src/test/resources/flame/perf-system-cpu-clock.txt");
        List<String[]> runs = new ArrayList<>();
        runs.add(new String[] {"--version"});
        runs.add(new String[] {"facts"});
        if (Files.isRegularFile(snapshot)) {
            runs.add(new String[] {"--snapshot", snapshot.toString(), "facts"});
            runs.add(new String[] {"--snapshot", snapshot.toString(), "audit"});
            runs.add(new String[] {"--snapshot", snapshot.toString(), "--format", "json", "audit"});
        }
        if (Files.isRegularFile(perf)) {
            runs.add(new String[] {"flame", "collapse", perf.toString()});
            runs.add(new String[] {"flame", "svg", perf.toString()});
        }
        new Main.Proxies().run();
        for (String[] run : runs) {
            PrintWriter out = new PrintWriter(Writer.nullWriter());
            KvmtuneCommand.newCommandLine(run, out, Writer.nullWriter()).execute(run);
        }
    }
}
