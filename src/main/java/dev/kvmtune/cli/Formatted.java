package dev.kvmtune.cli;

import java.io.PrintWriter;
import java.util.function.Supplier;

/** A command's result printed by --format: its JSON document, or its text. Only the chosen one is built. */
final class Formatted {
    private Formatted() {
    }

    static void print(PrintWriter out, OutputFormat format, Supplier<Object> json, Supplier<String> text) {
        out.print(format == OutputFormat.json ? Json.write(json.get()) : text.get());
    }
}
