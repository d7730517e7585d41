package dev.kvmtune.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmtune.BadInputException;
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
 */
public final class ProfileLoader {
    public static final List<String> BUILT_IN = List.of("virtual-host", "virtual-guest", "realtime-virtual-host", "realtime-virtual-guest");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
        try {
            p = YAML.readValue(text, Profile.class);
        } catch (UnrecognizedPropertyException e) {
            // the YAML parser has read past the field when it reports it; find the field's own line
            throw new BadInputException(name + ":" + lineOfKey(text, e.getPropertyName(), e.getLocation().getLineNr())
                    + ": unknown field '" + e.getPropertyName() + "'");
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

    private static int lineOfKey(String text, String key, int fallback) {
        String[] lines = text.split("\n", -1);
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("^\\s*(-\\s+)?" + java.util.regex.Pattern.quote(key) + "\\s*:");
        for (int i = 0; i < lines.length; i++) {
            if (p.matcher(lines[i]).find()) return i + 1;
        }
        return fallback;
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
