package dev.kvmtune.facts.vm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One QEMU option argument as an ordered key → value map: the QemuOpts syntax
 * ({@code key=value,key2=value2}, a doubled comma is a literal comma, a first element without
 * '=' is the option's implied key such as -device's driver) or the JSON form that -blockdev,
 * -device, -object and -netdev accept ({@code {"driver":"qcow2","file":{...}}}), whose nested
 * objects become dotted keys ({@code file.driver}) exactly as the dotted command-line form spells them.
 *
 * <p>The JSON form is read token by token, not into a tree by Jackson's ObjectMapper: creating that mapper took 55 ms
 * of a cold {@code kvmtune facts} on a host running one libvirt domain, whose -object arguments are JSON
 * (bench/README). A key given twice is refused, as QEMU refuses it.
 */
public final class QemuOpts {
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private QemuOpts() {
    }

    /** Thrown for an argument that cannot be read (bad JSON); the message says why. */
    public static final class BadOptsException extends Exception {
        public BadOptsException(String message) {
            super(message);
        }
    }

    /**
     * @param impliedKey name for a first element without '=' (driver, type, qom-type, size, ...);
     *                   null when the option has none, in which case such elements are flags
     *                   ({@code name} → on, {@code noname} stays as given, {@code +x}/{@code -x} → on/off)
     */
    public static Map<String, String> parse(String text, String impliedKey) throws BadOptsException {
        if (text.startsWith("{")) return parseJson(text);
        Map<String, String> out = new LinkedHashMap<>();
        StringBuilder cur = new StringBuilder();
        boolean first = true;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
                continue;
            }
            if (c != ',') {
                cur.append(c);
                continue;
            }
            String part = cur.toString();
            cur.setLength(0);
            boolean wasFirst = first;
            first = false;
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (wasFirst && impliedKey != null) out.put(impliedKey, part);
                else if (part.startsWith("+")) out.put(part.substring(1), "on");
                else if (part.startsWith("-")) out.put(part.substring(1), "off");
                else out.put(part, "on");
            } else {
                // a repeated key (-numa node,cpus=0-1,cpus=4-5) accumulates, comma separated
                out.merge(part.substring(0, eq), part.substring(eq + 1), (a, b) -> a + "," + b);
            }
        }
        return out;
    }

    static Map<String, String> parseJson(String text) throws BadOptsException {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new BadOptsException("JSON argument is not an object");
            object(p, "", out);
        } catch (JsonProcessingException e) {
            throw new BadOptsException("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadOptsException("not valid JSON: " + e.getMessage());
        }
        return out;
    }

    /** The members of the object whose start was just read, through its end, under {@code prefix} ("" or "key."). */
    private static void object(JsonParser p, String prefix, Map<String, String> out) throws IOException {
        for (JsonToken t = next(p); t != JsonToken.END_OBJECT; t = next(p)) {
            String key = prefix + p.currentName() + ".";
            value(p, next(p), key, out);
        }
    }

    private static void value(JsonParser p, JsonToken t, String prefix, Map<String, String> out) throws IOException {
        switch (t) {
            case START_OBJECT -> object(p, prefix, out);
            case START_ARRAY -> array(p, prefix, out);
            default -> out.put(prefix.substring(0, prefix.length() - 1), Scalar.of(p, t).dotted());
        }
    }

    /**
     * An array of scalars is one value, comma separated (host-nodes: [0, 1] is the dotted form's
     * host-nodes=0,host-nodes=1), booleans in it as true and false; in one that holds an object or array every element
     * is numbered ({@code key.0}) and a boolean is on or off, as elsewhere.
     */
    private static void array(JsonParser p, String prefix, Map<String, String> out) throws IOException {
        List<Scalar> scalars = new ArrayList<>();
        boolean numbered = false;
        int i = 0;
        for (JsonToken t = next(p); t != JsonToken.END_ARRAY; t = next(p), i++) {
            boolean container = t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY;
            if (container && !numbered) {
                for (int k = 0; k < scalars.size(); k++) out.put(prefix + k, scalars.get(k).dotted());
                numbered = true;
            }
            if (container) value(p, t, prefix + i + ".", out);
            else if (numbered) out.put(prefix + i, Scalar.of(p, t).dotted());
            else scalars.add(Scalar.of(p, t));
        }
        if (!numbered) out.put(prefix.substring(0, prefix.length() - 1), String.join(",", scalars.stream().map(Scalar::text).toList()));
    }

    /**
     * A scalar's token and its text: numbers in Java's spelling, true, false and null as written; as the dotted form
     * writes it, booleans are on and off.
     */
    private record Scalar(JsonToken kind, String text) {
        static Scalar of(JsonParser p, JsonToken t) throws IOException {
            return new Scalar(t, switch (t) {
                case VALUE_TRUE -> "true";
                case VALUE_FALSE -> "false";
                case VALUE_NULL -> "null";
                case VALUE_NUMBER_INT -> p.getNumberValue().toString();
                case VALUE_NUMBER_FLOAT -> Double.toString(p.getDoubleValue());
                default -> p.getText();
            });
        }

        String dotted() {
            return kind == JsonToken.VALUE_TRUE ? "on" : kind == JsonToken.VALUE_FALSE ? "off" : text;
        }
    }

    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) throw new JsonParseException(p, "Unexpected end-of-input");
        return t;
    }

    /** on/yes/true/y → true, off/no/false/n → false, else null. */
    public static Boolean bool(String v) {
        if (v == null) return null;
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> null;
        };
    }

    /** A QEMU size: bytes, or with a K/M/G/T/P/E suffix (powers of 1024); null when malformed. */
    public static Long size(String v, long defaultUnit) {
        if (v == null || v.isEmpty()) return null;
        String t = v.strip();
        if (t.isEmpty()) return null;
        long unit = defaultUnit;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int shift = "KMGTPE".indexOf(last);
        if (shift >= 0) {
            unit = 1L << (10 * (shift + 1));
            t = t.substring(0, t.length() - 1);
        } else if (last == 'B') {
            unit = 1;
            t = t.substring(0, t.length() - 1);
        }
        try {
            if (t.contains(".")) return (long) (Double.parseDouble(t) * unit);
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }
}
