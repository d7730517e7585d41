package dev.kvmtune.facts.source;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Optional;
import java.util.function.Function;

/**
 * One value read from one file, with the path it came from, so that findings can cite evidence.
 * A missing file, an unreadable file and text that does not parse are three different outcomes,
 * none of which is a zero.
 *
 * @param value  the parsed value; null unless status is OK
 * @param source the root-relative path it was read from
 * @param status OK, MISSING, UNREADABLE or UNPARSEABLE
 * @param raw    the text that did not parse (UNPARSEABLE only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sourced<T>(
        T value,
        String source,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = OkFilter.class) Status status,
        String raw) {

    /** Leaves "status" out of JSON when it is OK, which is nearly always. */
    static final class OkFilter {
        @Override
        public boolean equals(Object o) {
            return o == null || o == Status.OK;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    public enum Status {
        @JsonProperty("ok") OK,
        @JsonProperty("missing") MISSING,
        @JsonProperty("unreadable") UNREADABLE,
        @JsonProperty("unparseable") UNPARSEABLE
    }

    public static <T> Sourced<T> of(T value, String source) {
        return new Sourced<>(value, source, Status.OK, null);
    }

    public static <T> Sourced<T> missing(String source) {
        return new Sourced<>(null, source, Status.MISSING, null);
    }

    /**
     * Reads {@code path} from {@code root}, strips it, and parses it. The parser returns null or
     * throws IllegalArgumentException for text it cannot use.
     */
    public static <T> Sourced<T> read(Root root, String path, Function<String, T> parser) {
        Optional<String> text = root.read(path);
        if (text.isEmpty()) {
            return new Sourced<>(null, path, root.problems().containsKey(path) ? Status.UNREADABLE : Status.MISSING, null);
        }
        return parse(text.get(), path, parser);
    }

    /** Parses already-read text (stripped) into a sourced value. */
    public static <T> Sourced<T> parse(String text, String path, Function<String, T> parser) {
        String t = text.strip();
        try {
            T v = parser.apply(t);
            if (v != null) return new Sourced<>(v, path, Status.OK, null);
        } catch (IllegalArgumentException | ArithmeticException e) {
            // falls through to UNPARSEABLE
        }
        return new Sourced<>(null, path, Status.UNPARSEABLE, t.length() > 200 ? t.substring(0, 200) : t);
    }

    /** Reads a file as stripped text. */
    public static Sourced<String> text(Root root, String path) {
        return read(root, path, s -> s);
    }

    /** Reads a file holding one decimal integer. */
    public static Sourced<Long> number(Root root, String path) {
        return read(root, path, s -> {
            var n = dev.kvmtune.util.Numbers.parseLong(s);
            return n.isPresent() ? n.getAsLong() : null;
        });
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isPresent() {
        return status == Status.OK;
    }

    /** The value, or {@code other} when there is none. */
    public T orElse(T other) {
        return status == Status.OK ? value : other;
    }

    @Override
    public String toString() {
        return switch (status) {
            case OK -> String.valueOf(value);
            case MISSING -> "unknown";
            case UNREADABLE -> "unreadable";
            case UNPARSEABLE -> "unparseable '" + raw + "'";
        };
    }
}
