package dev.kvmtune.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmtune.BadInputException;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads built-in profiles from resources ({@code dev/kvmtune/profiles/NAME.yaml}) and user profiles
 * from files, and flattens {@code extends} chains. Errors name the file and the line.
 *
 * <p>A profile is read with the YAML parser's token stream, field by field, not bound by Jackson's
 * ObjectMapper: creating that mapper and introspecting the two records was two thirds of a cold
 * {@code kvmtune audit} (its class initialization alone sets up date formats and the JDK's locale
 * data), and reading the tokens also gives every error the line of the field itself.
 */
public final class ProfileLoader {
    public static final List<String> BUILT_IN = List.of("virtual-host", "virtual-guest", "realtime-virtual-host", "realtime-virtual-guest");
    private static final YAMLFactory YAML = new YAMLFactory();

    private ProfileLoader() {
    }

    /** A built-in name or a path to a YAML file; the result has its parents merged in. */
    public static Profile load(String nameOrFile) {
        Profile p = BUILT_IN.contains(nameOrFile) ? builtIn(nameOrFile) : file(Path.of(nameOrFile));
        return flatten(p, new LinkedHashSet<>());
    }

    static Profile builtIn(String name) {
        String res = "/dev/kvmtune/profiles/" + name + ".yaml";
        try (InputStream in = ProfileLoader.class.getResourceAsStream(res)) {
            if (in == null) throw new BadInputException("no built-in profile '" + name + "' (have: " + String.join(", ", BUILT_IN) + ")");
            return parse(in, res);
        } catch (IOException e) {
            throw new BadInputException(res + ": " + e.getMessage(), e);
        }
    }

    static Profile file(Path path) {
        if (!Files.exists(path)) {
            throw new BadInputException("'" + path + "' is neither a built-in profile (" + String.join(", ", BUILT_IN) + ") nor a readable file");
        }
        return parse(new java.io.ByteArrayInputStream(SmallFiles.read(path, SmallFiles.PROFILE, "a kvmtune profile (YAML)")), path.toString());
    }

    static Profile parse(InputStream in, String name) {
        Profile p;
        String text;
        try {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException(name + ": " + e.getMessage(), e);
        }
        try (JsonParser parser = YAML.createParser(text)) {
            p = new Fields(parser, name).profile();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new BadInputException(name + ":" + line + ": " + dev.kvmtune.util.JsonErrors.describe(e));
        } catch (IOException e) {
            throw new BadInputException(name + ": " + e.getMessage(), e);
        }
        if (p == null || p.name() == null) throw new BadInputException(name + ": a profile needs a 'name'");
        for (SettingSpec s : p.settings() == null ? List.<SettingSpec>of() : p.settings()) {
            if (s.kind() == null || s.key() == null || s.expected() == null) {
                throw new BadInputException(name + ": setting '" + s.key() + "' needs kind, key and expected");
            }
            if (!dev.kvmtune.settings.SettingKinds.KINDS.containsKey(s.kind())) {
                throw new BadInputException(name + ": setting '" + s.key() + "' has unknown kind '" + s.kind() + "' (have: "
                        + String.join(", ", dev.kvmtune.settings.SettingKinds.KINDS.keySet()) + ")");
            }
        }
        return p;
    }

    /** The fields of one profile document, read from the parser's tokens; a wrong one names its line. */
    private static final class Fields {
        private final JsonParser p;
        private final String file;

        Fields(JsonParser p, String file) {
            this.p = p;
            this.file = file;
        }

        /** The document's profile, or null for an empty document. */
        Profile profile() throws IOException {
            JsonToken t = p.nextToken();
            if (t == null || t == JsonToken.VALUE_NULL) return null;
            if (t != JsonToken.START_OBJECT) throw wrong("a profile is a mapping of fields (name, settings, ...)");
            String name = null, description = null, target = null, isolation = null, parent = null;
            List<SettingSpec> settings = null;
            List<String> rules = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                int line = line();
                p.nextToken();
                switch (field) {
                    case "name" -> name = scalar(field);
                    case "description" -> description = scalar(field);
                    case "target" -> target = scalar(field);
                    case "isolation" -> isolation = scalar(field);
                    case "extends" -> parent = scalar(field);
                    case "settings" -> settings = settings();
                    case "rules" -> rules = rules();
                    default -> throw unknown(field, line);
                }
            }
            return new Profile(name, description, target, isolation, parent, settings, rules);
        }

        private List<SettingSpec> settings() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) return null;
            if (p.currentToken() != JsonToken.START_ARRAY) throw wrong("'settings' is a list of settings");
            List<SettingSpec> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) out.add(setting());
            return out;
        }

        private List<String> rules() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) return null;
            if (p.currentToken() != JsonToken.START_ARRAY) throw wrong("'rules' is a list of rule ids");
            List<String> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) out.add(scalar("rules"));
            return out;
        }

        private SettingSpec setting() throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) throw wrong("a setting is a mapping of fields (kind, key, expected, ...)");
            String kind = null, key = null, expected = null, area = null, title = null, why = null, reference = null, cpus = null,
                    vendor = null, arch = null;
            Severity severity = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                int line = line();
                p.nextToken();
                switch (field) {
                    case "kind" -> kind = scalar(field);
                    case "key" -> key = scalar(field);
                    case "expected" -> expected = scalar(field);
                    case "severity" -> severity = severity();
                    case "area" -> area = scalar(field);
                    case "title" -> title = scalar(field);
                    case "why" -> why = scalar(field);
                    case "reference" -> reference = scalar(field);
                    case "cpus" -> cpus = scalar(field);
                    case "vendor" -> vendor = scalar(field);
                    case "arch" -> arch = scalar(field);
                    default -> throw unknown(field, line);
                }
            }
            return new SettingSpec(kind, key, expected, severity, area, title, why, reference, cpus, vendor, arch);
        }

        /** A single value as text: YAML's numbers and booleans too ({@code expected: 1}), as they are written. */
        private String scalar(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) return null;
            if (t == null || !t.isScalarValue()) throw wrong("'" + field + "' is a single value, not a " + (t == JsonToken.START_ARRAY ? "list" : "mapping"));
            return p.getText();
        }

        private Severity severity() throws IOException {
            String v = scalar("severity");
            if (v == null) return null;
            for (Severity s : Severity.values()) {
                if (s.lower().equals(v)) return s;
            }
            throw wrong("severity '" + v + "' is none of pass, info, warn, fail");
        }

        private int line() {
            return p.currentTokenLocation().getLineNr();
        }

        private BadInputException unknown(String field, int line) {
            return new BadInputException(file + ":" + line + ": unknown field '" + dev.kvmtune.util.Printable.line(field) + "'");
        }

        private BadInputException wrong(String what) {
            return new BadInputException(file + ":" + line() + ": " + what);
        }
    }

    private static Profile flatten(Profile p, Set<String> seen) {
        if (!seen.add(p.name())) throw new BadInputException("profile '" + p.name() + "' extends itself");
        if (p.parent() == null) return p;
        Profile parent = flatten(builtIn(p.parent()), seen);
        Map<String, SettingSpec> merged = new LinkedHashMap<>();
        for (SettingSpec s : nz(parent.settings())) merged.put(s.identity(), s);
        for (SettingSpec s : nz(p.settings())) merged.put(s.identity(), s);
        Set<String> rules = new LinkedHashSet<>(nz(parent.rules()));
        for (String r : nz(p.rules())) {
            // "-id" drops a rule the parent turns on (realtime-virtual-host: kvmclock off instead of on)
            if (r.startsWith("-")) rules.remove(r.substring(1));
            else rules.add(r);
        }
        return new Profile(p.name(), p.description(), p.target() != null ? p.target() : parent.target(),
                p.isolation() != null ? p.isolation() : parent.isolation(), p.parent(),
                new ArrayList<>(merged.values()), new ArrayList<>(rules));
    }

    private static <T> List<T> nz(List<T> l) {
        return l == null ? List.of() : l;
    }
}
