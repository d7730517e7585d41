package dev.kvmtune.settings;

/** Checks of the keys plans hold, before apply resolves anything against the host. */
public final class Keys {
    private Keys() {
    }

    /**
     * A path (or dotted sysctl name) stays where it belongs: relative, no empty, "." or ".." part, no
     * control characters.
     */
    public static void relative(String what, String path, String separators) {
        boolean bad = path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0 || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
        for (String part : path.split(separators, -1)) bad |= part.isEmpty() || part.equals(".") || part.equals("..");
        if (bad) throw new IllegalArgumentException(what + " '" + path + "' is not a plain relative path");
    }
}
