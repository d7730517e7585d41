package dev.kvmtune.exits;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Warnings about input, each kind said once (with the first file:line), in the order they came. */
public final class Warnings {
    private final Set<String> kinds = new HashSet<>();
    private final List<String> messages = new ArrayList<>();

    public void once(String kind, String message) {
        if (kinds.add(kind)) messages.add(message);
    }

    public List<String> messages() {
        return List.copyOf(messages);
    }

    /** A line for a message: control characters escaped as every message escapes them (Printable), at most 80 characters of the line. */
    public static String excerpt(String line) {
        return dev.kvmtune.util.Printable.line(line.length() > 80 ? line.substring(0, 80) : line);
    }
}
