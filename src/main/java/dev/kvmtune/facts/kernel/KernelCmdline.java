package dev.kvmtune.facts.kernel;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A kernel command line split the way the kernel splits it (lib/cmdline.c next_arg): white space
 * separates parameters, double quotes group, {@code name=value} or a bare flag, and everything
 * after a lone {@code --} belongs to init. Repeats and order are kept, because some parameters
 * add up (console=) and for others the last one wins.
 */
public record KernelCmdline(String raw, List<Param> params, List<String> initArgs) {

    /** One parameter; {@code value} is null for a bare flag such as {@code quiet}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Param(String name, String value) {
        @Override
        public String toString() {
            return value == null ? name : name + "=" + (value.contains(" ") ? "\"" + value + "\"" : value);
        }
    }

    public static KernelCmdline parse(String text) {
        String raw = text == null ? "" : text.strip();
        List<Param> params = new ArrayList<>();
        List<String> init = new ArrayList<>();
        boolean afterDashes = false;
        for (String word : split(raw)) {
            if (afterDashes) {
                init.add(word);
            } else if (word.equals("--")) {
                afterDashes = true;
            } else {
                int eq = word.indexOf('=');
                params.add(eq < 0 ? new Param(word, null) : new Param(word.substring(0, eq), word.substring(eq + 1)));
            }
        }
        return new KernelCmdline(raw, List.copyOf(params), List.copyOf(init));
    }

    /** Splits on white space outside double quotes and drops the quotes, as the kernel does. */
    static List<String> split(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inQuote = false;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                inQuote = !inQuote;
                any = true;
            } else if (!inQuote && Character.isWhitespace(c)) {
                if (any) words.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) words.add(cur.toString());
        return words;
    }

    /** The last value given for a parameter (the kernel's usual rule); empty when absent. */
    public Optional<String> last(String name) {
        for (int i = params.size() - 1; i >= 0; i--) {
            if (params.get(i).name().equals(name)) return Optional.ofNullable(params.get(i).value()).or(() -> Optional.of(""));
        }
        return Optional.empty();
    }

    /** Every value given for a parameter, in order. */
    public List<String> all(String name) {
        List<String> v = new ArrayList<>();
        for (Param p : params) {
            if (p.name().equals(name)) v.add(p.value() == null ? "" : p.value());
        }
        return v;
    }

    public boolean has(String name) {
        return params.stream().anyMatch(p -> p.name().equals(name));
    }

    @JsonIgnore
    public boolean isEmpty() {
        return params.isEmpty();
    }
}
