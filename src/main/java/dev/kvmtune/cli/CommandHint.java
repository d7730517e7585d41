package dev.kvmtune.cli;

import dev.kvmtune.apply.LiveThreadScheduler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command that a printed hint tells the user to run, exactly: it names the same --root and
 * --journal-dir the user gave (a hint without them would act on the live host), starts with sudo
 * where the live host needs root and the user is not, and quotes every argument for a POSIX shell.
 *
 * @param rootDir    the --root given, or null for the live host
 * @param journalDir the --journal-dir given, or null for the root's default
 */
record CommandHint(Path rootDir, Path journalDir) {

    /** {@code kvmtune SUBCOMMAND ARGS... [--root DIR] [--journal-dir DIR]}, ready to paste. */
    String command(String subcommand, String... args) {
        List<String> argv = new ArrayList<>();
        if (rootDir == null && !LiveThreadScheduler.isRoot()) argv.add("sudo");
        argv.add("kvmtune");
        argv.add(subcommand);
        argv.addAll(List.of(args));
        if (rootDir != null) {
            argv.add("--root");
            argv.add(rootDir.toString());
        }
        if (journalDir != null) {
            argv.add("--journal-dir");
            argv.add(journalDir.toString());
        }
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(quote(a));
        }
        return sb.toString();
    }

    /** The same command on another root (a journal's own), with no --journal-dir change. */
    CommandHint onRoot(String root) {
        return new CommandHint(root.equals("/") ? null : Path.of(root), journalDir);
    }

    static String quote(String arg) {
        return dev.kvmtune.util.ShellWords.quote(arg);
    }
}
