package dev.kvmtune.util;

import java.util.regex.Pattern;

/** One argument as a POSIX shell reads it back: plain when it can be, else in single quotes. */
public final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {
    }

    public static String quote(String arg) {
        if (!arg.isEmpty() && PLAIN.matcher(arg).matches()) return arg;
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
