package dev.kvmtune.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's training run: runs a set of the usual commands in one JVM, output discarded: {@code facts} and
 * {@code audit} of the host itself and of a captured host running a VM (whose readers this host may not need yet),
 * in the set of all of a tuned captured host too (the snapshot reader's classes differ from the live one's), and
 * {@code flame} on recorded perf output from the checkout. The class archive made from
 * it (a CDS archive from the list of classes loaded, or JDK 25's ahead-of-time cache) holds the classes those
 * commands load. The launcher keeps one archive per set, and makes it the first time a command of the set runs
 * after a build. It only reads: the files named, and the host's /proc and /sys as {@code kvmtune facts} does.
 *
 * <p>Usage: {@code java -XX:DumpLoadedClassList=L -cp kvmtune.jar dev.kvmtune.cli.Training CHECKOUT [SET]}, where
 * SET is one of {@link #SETS}; {@code all} (the default) runs every command of the others, and JSON output too.
 */
public final class Training {
    /** The sets of commands with an archive of their own; the launcher picks one from the command line. */
    static final List<String> SETS = List.of("version", "facts", "audit", "flame", "all");

    private Training() {
    }

    /** The command lines a set runs. */
    static List<String[]> runs(Path checkout, String set) {
        if (!SETS.contains(set)) throw new IllegalArgumentException("no such training set: " + set + " (one of " + SETS + ")");
        Path snapshot = checkout.resolve("src/test/resources/roots/nested-kvm-2cpu-tuned/snapshot.tar.gz");
        Path vmHost = checkout.resolve("src/test/resources/roots/firecracker-amd-2cpu-libvirt-vm/snapshot.tar.gz");
        Path perf = checkout.resolve("src/test/resources/flame/perf-system-cpu-clock.txt");
        boolean all = set.equals("all");
        boolean captured = Files.isRegularFile(snapshot);
        // A host's VMs come and go. The classes that read them (a domain's XML through the JDK's XML parser, QEMU's
        // command line with its JSON options, the VM rules) are loaded from a captured host running a libvirt domain
        // too, whatever this host runs now: where they were not in the archive, the run loaded them from the jars and
        // the runtime image: facts on a host with one VM 0.373 s against 0.306 s (bench/README, "A host running VMs").
        boolean vms = Files.isRegularFile(vmHost);
        List<String[]> runs = new ArrayList<>();
        if (all || set.equals("version")) runs.add(new String[] {"--version"});
        if (all || set.equals("facts")) runs.add(new String[] {"facts"});
        if (all || set.equals("audit")) runs.add(new String[] {"audit"});
        if ((all || set.equals("facts")) && vms) runs.add(new String[] {"--snapshot", vmHost.toString(), "facts"});
        if ((all || set.equals("audit")) && vms) {
            runs.add(new String[] {"--snapshot", vmHost.toString(), "audit", "--profile", "realtime-virtual-host"});
        }
        if (all && captured) {
            runs.add(new String[] {"--snapshot", snapshot.toString(), "facts"});
            runs.add(new String[] {"--snapshot", snapshot.toString(), "audit"});
            runs.add(new String[] {"--snapshot", snapshot.toString(), "--format", "json", "audit"});
        }
        if ((all || set.equals("flame")) && Files.isRegularFile(perf)) {
            runs.add(new String[] {"flame", "collapse", perf.toString()});
            runs.add(new String[] {"flame", "svg", perf.toString()});
        }
        return runs;
    }

    public static void main(String[] args) {
        List<String[]> runs = runs(Path.of(args.length > 0 ? args[0] : "."), args.length > 1 ? args[1] : "all");
        new Main.Proxies().run();
        for (String[] run : runs) {
            PrintWriter out = new PrintWriter(Writer.nullWriter());
            KvmtuneCommand.newCommandLine(run, out, Writer.nullWriter()).execute(run);
        }
    }
}
