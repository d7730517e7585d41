package dev.kvmtune.util;

import java.util.OptionalLong;

/** All number parsing of kernel text goes through here: no exceptions, absence is a value. */
public final class Numbers {
    private Numbers() {
    }

    /** Decimal long, with optional sign and surrounding white space; empty when not a number. */
    public static OptionalLong parseLong(String s) {
        if (s == null) return OptionalLong.empty();
        String t = s.strip();
        if (t.isEmpty() || t.length() > 20) return OptionalLong.empty();
        int i = 0;
        if (t.charAt(0) == '-' || t.charAt(0) == '+') i = 1;
        if (i == t.length()) return OptionalLong.empty();
        for (int k = i; k < t.length(); k++) {
            char c = t.charAt(k);
            if (c < '0' || c > '9') return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(t));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Like {@link #parseLong} but returns {@code fallback} when the text is not a number. */
    public static long parseLong(String s, long fallback) {
        OptionalLong v = parseLong(s);
        return v.isPresent() ? v.getAsLong() : fallback;
    }

    /** Hexadecimal, with or without 0x. */
    public static OptionalLong parseHex(String s) {
        if (s == null) return OptionalLong.empty();
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) t = t.substring(2);
        if (t.isEmpty() || t.length() > 16) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseUnsignedLong(t, 16));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * A size as the kernel prints it in sysfs cache files and meminfo: {@code 32K}, {@code 1024 kB},
     * {@code 2M}, {@code 1G}, or plain bytes. Returns bytes.
     */
    public static OptionalLong parseSize(String s) {
        if (s == null) return OptionalLong.empty();
        String t = s.strip();
        long mult = 1;
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("kb") || lower.endsWith("k")) mult = 1024;
        else if (lower.endsWith("mb") || lower.endsWith("m")) mult = 1024L * 1024;
        else if (lower.endsWith("gb") || lower.endsWith("g")) mult = 1024L * 1024 * 1024;
        else if (lower.endsWith("tb") || lower.endsWith("t")) mult = 1024L * 1024 * 1024 * 1024;
        String digits = t.replaceAll("(?i)[kmgt]?b?$", "").strip();
        if (digits.matches("\\d{1,18}\\.\\d{1,9}")) {
            // 1.5G: a fraction of a unit, as long as it comes to whole bytes
            java.math.BigDecimal bytes = new java.math.BigDecimal(digits).multiply(java.math.BigDecimal.valueOf(mult));
            try {
                return OptionalLong.of(bytes.longValueExact());
            } catch (ArithmeticException e) {
                return OptionalLong.empty();
            }
        }
        OptionalLong n = parseLong(digits);
        if (n.isEmpty() || n.getAsLong() < 0) return OptionalLong.empty();
        return OptionalLong.of(Math.multiplyExact(n.getAsLong(), mult));
    }
}
