package dev.kvmtune.util;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * Text from input files shown in messages: control characters are written as {@code \xNN} (or
 * {@code \n}, {@code \r}, {@code \t}), so that bytes of a hostile file cannot move the cursor,
 * retitle the terminal (ESC ] 0 ; ... BEL) or split one message into several lines.
 */
public final class Printable {
    private Printable() {
    }

    static boolean control(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
    }

    /** The text on one line: every control character escaped, newlines and tabs too. */
    public static String line(String s) {
        if (s == null) return "";
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!control(c)) {
                if (sb != null) sb.append(c);
                continue;
            }
            if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            escape(sb, c);
        }
        return sb == null ? s : sb.toString();
    }

    private static void escape(StringBuilder sb, char c) {
        switch (c) {
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> sb.append(String.format("\\x%02x", (int) c));
        }
    }

    /**
     * A writer for diagnostics (stderr): every control character but newline, carriage return (the
     * progress line rewrites itself) and tab is escaped.
     */
    public static Writer diagnostics(Writer out) {
        return new FilterWriter(out) {
            @Override
            public void write(int c) throws IOException {
                write(new char[] {(char) c}, 0, 1);
            }

            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                int start = off;
                for (int i = off; i < off + len; i++) {
                    char c = buf[i];
                    if (control(c) && c != '\n' && c != '\r' && c != '\t') {
                        out.write(buf, start, i - start);
                        StringBuilder sb = new StringBuilder(4);
                        escape(sb, c);
                        out.write(sb.toString());
                        start = i + 1;
                    }
                }
                out.write(buf, start, off + len - start);
            }

            @Override
            public void write(String str, int off, int len) throws IOException {
                write(str.toCharArray(), off, len);
            }
        };
    }
}
