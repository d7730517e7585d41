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

    /** A line for a message: control characters shown as '?', at most 80 characters. */
    public static String excerpt(String line) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < line.length() && sb.length() < 80; i++) {
            char c = line.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }
}
