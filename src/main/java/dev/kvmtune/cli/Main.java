package dev.kvmtune.cli;

/** Entry point: runs the CLI and exits with its code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(KvmtuneCommand.newCommandLine(args).execute(args));
    }
}
