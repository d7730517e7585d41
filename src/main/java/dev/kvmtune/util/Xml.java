package dev.kvmtune.util;

/** Text for an XML or SVG document kvmtune writes. */
public final class Xml {
    private Xml() {
    }

    /**
     * Escapes markup and quotes; control characters, which XML 1.0 does not allow in a document
     * (a process name or a file name may hold them), become spaces.
     */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
