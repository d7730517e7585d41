package dev.kvmtune.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them on a command line: 500us, 200, 30s, 10m, 1h (a bare number in the given unit). */
public final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)\\s*(ns|us|µs|ms|s|m|h|d)?");

    private Durations() {
    }

    /** @param bareUnit unit of a number without one: "us" or "s" */
    public static Duration parse(String text, String bareUnit) {
        Matcher m = P.matcher(text.strip());
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 200us, 30s, 10m, 1h)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? bareUnit : m.group(2);
        return switch (unit) {
            case "ns" -> Duration.ofNanos(n);
            case "us", "µs" -> Duration.ofNanos(n * 1000);
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
