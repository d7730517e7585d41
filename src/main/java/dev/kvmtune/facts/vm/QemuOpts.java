package dev.kvmtune.facts.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One QEMU option argument as an ordered key → value map: the QemuOpts syntax
 * ({@code key=value,key2=value2}, a doubled comma is a literal comma, a first element without
 * '=' is the option's implied key such as -device's driver) or the JSON form that -blockdev,
 * -device, -object and -netdev accept ({@code {"driver":"qcow2","file":{...}}}), whose nested
 * objects become dotted keys ({@code file.driver}) exactly as the dotted command-line form spells them.
 */
public final class QemuOpts {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadOptsException("not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw new BadOptsException("JSON argument is not an object");
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", node, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix + e.getKey() + ".", e.getValue(), out);
            }
        } else if (node.isArray() && scalars(node)) {
            // host-nodes: [0, 1] is the dotted form's host-nodes=0,host-nodes=1
            StringBuilder sb = new StringBuilder();
            for (JsonNode n : node) sb.append(sb.length() == 0 ? "" : ",").append(n.asText());
            out.put(prefix.substring(0, prefix.length() - 1), sb.toString());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) flatten(prefix + i + ".", node.get(i), out);
        } else {
            String key = prefix.substring(0, prefix.length() - 1);
            out.put(key, node.isBoolean() ? (node.booleanValue() ? "on" : "off") : node.asText());
        }
    }

    private static boolean scalars(JsonNode array) {
        for (JsonNode n : array) if (n.isContainerNode()) return false;
        return true;
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
