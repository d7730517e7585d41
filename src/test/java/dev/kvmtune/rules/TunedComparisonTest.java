package dev.kvmtune.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmtune.rules.checks.Rules;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.testing.Golden;
import dev.kvmtune.testing.Requires;
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
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads tuned's installed profiles (Debian package tuned, /usr/lib/tuned, includes followed) and
 * checks that every setting they make is either checked by kvmtune's matching profile or
 * explained in src/test/resources/dev/kvmtune/tuned/comparison.yaml; then writes the comparison to
 * docs/tuned-comparison.md, which must match (rewrite it with -Dkvmtune.updateGoldens=true).
 */
class TunedComparisonTest {
    static final List<Path> TUNED_DIRS = List.of(Path.of("/usr/lib/tuned/profiles"), Path.of("/usr/lib/tuned"));
    static final Path DOC = Path.of("docs/tuned-comparison.md");

    /** One setting of a flattened tuned profile: section, key, value and the profile that set it. */
    record Item(String section, String key, String value, String from) {
        String name() {
            return section + ":" + key;
        }
    }

    /** The YAML: which kvmtune profile answers which tuned profile, and how each item is covered. */
    record Coverage(Map<String, String> profiles, Map<String, List<String>> checkedBy, Map<String, String> notChecked) {
    }

    static Path profileDir(String name) {
        for (Path d : TUNED_DIRS) {
            if (Files.isRegularFile(d.resolve(name).resolve("tuned.conf"))) return d.resolve(name);
        }
        return null;
    }

    /** tuned.conf sections with their keys, in file order; [main] include= followed first. */
    static Map<String, Map<String, Item>> flatten(String name, Set<String> seen) throws IOException {
        Map<String, Map<String, Item>> out = new LinkedHashMap<>();
        Path dir = profileDir(name);
        if (dir == null || !seen.add(name)) return out;
        Map<String, Map<String, String>> own = parse(Files.readAllLines(dir.resolve("tuned.conf")));
        String include = own.getOrDefault("main", Map.of()).get("include");
        if (include != null) {
            for (String parent : include.split("[,;\\s]+")) {
                if (parent.isBlank()) continue;
                flatten(parent.strip(), seen).forEach((sec, items) -> out.computeIfAbsent(sec, s -> new LinkedHashMap<>()).putAll(items));
            }
        }
        own.forEach((sec, kv) -> {
            if (sec.equals("main") || sec.equals("variables")) return;
            Map<String, Item> target = out.computeIfAbsent(sec, s -> new LinkedHashMap<>());
            kv.forEach((k, v) -> target.put(k, new Item(sec, k, v, name)));
        });
        return out;
    }

    static Map<String, Map<String, String>> parse(List<String> lines) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        String sec = null;
        for (String raw : lines) {
            String l = raw.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.startsWith("[") && l.endsWith("]")) {
                sec = l.substring(1, l.length() - 1).strip();
                sections.computeIfAbsent(sec, s -> new LinkedHashMap<>());
                continue;
            }
            int eq = l.indexOf('=');
            if (sec == null || eq < 0) continue;
            sections.get(sec).put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
        }
        return sections;
    }

    /** The flattened profile as items: plugin keys that only steer tuned itself dropped, command lines split. */
    static List<Item> items(String name) throws IOException {
        List<Item> out = new ArrayList<>();
        for (Map<String, Item> sec : flatten(name, new LinkedHashSet<>()).values()) {
            for (Item it : sec.values()) {
                if (Set.of("priority", "type", "uname_regex", "cpuinfo_regex", "replace", "devices").contains(it.key())) continue;
                if (it.section().equals("bootloader") && it.key().startsWith("cmdline")) {
                    // cpu-partitioning's ${cmd_isolcpus} expands to " isolcpus=${no_balance_cores}" when that is set
                    String v = it.value().replace("${cmd_isolcpus}", " isolcpus=${no_balance_cores}");
                    for (String tok : v.split("\\s+")) {
                        String t = tok.startsWith("+") ? tok.substring(1) : tok;
                        if (t.isEmpty()) continue;
                        int eq = t.indexOf('=');
                        out.add(new Item("cmdline", eq < 0 ? t : t.substring(0, eq), eq < 0 ? "" : t.substring(eq + 1), it.from()));
                    }
                } else {
                    out.add(it);
                }
            }
        }
        return out;
    }

    /** The kvmtune finding id that checks an item by construction, or null. */
    static String directId(Item it) {
        return switch (it.section()) {
            case "sysctl" -> "sysctl." + it.key();
            case "sysfs" -> it.key().contains("*") ? null : new SettingSpec("sysfs", it.key().replaceFirst("^/", ""), "", null, null, null, null, null, null).id();
            case "cmdline" -> "cmdline." + it.key();
            case "scheduler" -> it.key().startsWith("group.") ? "thread_sched." + it.key().substring(6) : null;
            case "irqbalance" -> it.key().equals("banned_cpus") ? "service.irqbalance" : null;
            case "vm" -> it.key().equals("transparent_hugepages") ? "sysfs.sys.kernel.mm.transparent_hugepage.enabled" : null;
            default -> null;
        };
    }

    static Coverage coverage() throws IOException {
        try (InputStream in = TunedComparisonTest.class.getResourceAsStream("/dev/kvmtune/tuned/comparison.yaml")) {
            return new ObjectMapper(new YAMLFactory()).readValue(in, Coverage.class);
        }
    }

    @Test
    void everyTunedSettingIsCheckedOrExplained() throws IOException {
        if (profileDir("realtime-virtual-host") == null) Requires.file(TUNED_DIRS.get(1).resolve("realtime-virtual-host/tuned.conf"), "tuned");
        Coverage cov = coverage();
        List<String> unexplained = new ArrayList<>();
        List<String> dangling = new ArrayList<>();
        StringBuilder doc = new StringBuilder();
        doc.append("# kvmtune and tuned, side by side\n\n")
                .append("Generated by `TunedComparisonTest` from tuned's installed profiles (")
                .append(profileDir("realtime-virtual-host").getParent()).append(", includes followed) and from\n")
                .append("src/test/resources/dev/kvmtune/tuned/comparison.yaml; do not edit by hand. Each tuned setting is either\n")
                .append("checked by the kvmtune profile named in the heading (the finding ids in the last column) or\n")
                .append("the last column says why kvmtune does not check it. Values in `${...}` are tuned variables;\n")
                .append("kvmtune's `${isolated}` and `${housekeeping}` correspond to tuned's `isolated_cores` and its inverse.\n");
        for (Map.Entry<String, String> e : cov.profiles().entrySet()) {
            String tuned = e.getKey();
            Profile kvm = ProfileLoader.load(e.getValue());
            Map<String, SettingSpec> settings = new LinkedHashMap<>();
            for (SettingSpec s : kvm.settings()) settings.put(s.id(), s);
            Set<String> ids = new LinkedHashSet<>(settings.keySet());
            ids.addAll(kvm.rules());
            doc.append("\n## tuned `").append(tuned).append("` and kvmtune `").append(kvm.name()).append("`\n\n")
                    .append("| tuned setting | tuned value | set in | kvmtune |\n|---|---|---|---|\n");
            for (Item it : items(tuned)) {
                String key = it.name();
                String direct = directId(it);
                // entries for this tuned profile win over the general ones
                String own = tuned + "/" + key;
                boolean specific = cov.checkedBy().containsKey(own) || cov.notChecked().containsKey(own);
                List<String> by = cov.checkedBy().get(specific ? own : key);
                String why = cov.notChecked().get(specific ? own : key);
                String cell;
                if (direct != null && ids.contains(direct)) {
                    SettingSpec s = settings.get(direct);
                    cell = "`" + direct + "`" + (s == null ? "" : " expects " + code(s.expected()) + (s.cpus() == null ? "" : " on " + code(s.cpus())))
                            + (why == null ? "" : "; " + why);
                } else if (by != null) {
                    List<String> missing = by.stream().filter(id -> !ids.contains(id)).toList();
                    if (!missing.isEmpty()) dangling.add(tuned + " " + key + " -> " + missing + " not in kvmtune " + kvm.name());
                    cell = "checked by " + String.join(", ", by.stream().map(id -> "`" + id + "`").toList()) + (why == null ? "" : "; " + why);
                } else if (why != null) {
                    cell = "not checked: " + why;
                } else {
                    unexplained.add(tuned + " " + key + " = " + it.value() + (direct == null ? "" : " (kvmtune id would be " + direct + ")"));
                    continue;
                }
                doc.append("| ").append(code(key)).append(" | ").append(code(it.value())).append(" | ").append(it.from())
                        .append(" | ").append(cell).append(" |\n");
            }
        }
        assertThat(unexplained).as("tuned settings neither checked by kvmtune nor explained in comparison.yaml").isEmpty();
        assertThat(dangling).as("comparison.yaml names findings the kvmtune profile does not have").isEmpty();
        Golden.check(DOC, doc.toString());
    }

    @Test
    void everyRuleNamedInTheCoverageExists() throws IOException {
        Coverage cov = coverage();
        for (List<String> ids : cov.checkedBy().values()) {
            for (String id : ids) {
                boolean setting = id.contains(".") && !Rules.ALL.containsKey(id);
                assertThat(setting || Rules.ALL.containsKey(id)).as(id).isTrue();
            }
        }
        assertThat(cov.profiles()).containsKeys("realtime-virtual-host", "realtime-virtual-guest", "virtual-host", "virtual-guest", "cpu-partitioning");
    }

    private static String code(String v) {
        return v.isEmpty() ? "" : "`" + v.replace("|", "\\|") + "`";
    }
}
