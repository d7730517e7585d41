package dev.kvmtune.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmtune.BadInputException;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The token reader of profiles, checked against Jackson's data binding of the same records. */
class ProfileLoaderTest {
    private static final ObjectMapper BINDING = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Profile read(String yaml) {
        return ProfileLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "p.yaml");
    }

    @Test
    void everyBuiltInProfileReadsAsDataBindingReadsIt() throws IOException {
        for (String name : ProfileLoader.BUILT_IN) {
            String res = "/dev/kvmtune/profiles/" + name + ".yaml";
            Profile bound;
            try (InputStream in = ProfileLoader.class.getResourceAsStream(res)) {
                bound = BINDING.readValue(in, Profile.class);
            }
            Profile read = ProfileLoader.builtIn(name);
            assertThat(read).as(name).isEqualTo(bound);
            assertThat(read.settings()).as(name).isNotEmpty();
        }
    }

    @Test
    void scalarsOfAnyYamlTypeAreTextAsDataBindingMakesThem() throws IOException {
        String yaml = """
                name: n
                target: ~
                rules: [a, b]
                settings:
                  - kind: sysctl
                    key: vm.swappiness
                    expected: 10
                    severity: warn
                  - kind: sysfs
                    key: k
                    expected: 1.50
                    cpus: null
                  - {kind: cmdline, key: quiet, expected: true, why: "two\\nlines"}
                  - kind: sysctl
                    key: folded
                    expected: >-
                      one
                      two
                """;
        Profile read = read(yaml);
        assertThat(read).isEqualTo(BINDING.readValue(yaml, Profile.class));
        assertThat(read.settings()).extracting(SettingSpec::expected).containsExactly("10", "1.50", "true", "one two");
        assertThat(read.settings().get(0).severity()).isEqualTo(Severity.WARN);
        assertThat(read.target()).isNull();
        assertThat(read.rules()).containsExactly("a", "b");
    }

    @Property(tries = 300)
    void anyValueReadsAsDataBindingReadsIt(@ForAll @StringLength(max = 40) String value, @ForAll boolean quoted) throws IOException {
        // quoted: any text as a YAML double-quoted string (JSON's escapes, and YAML's for the line breaks JSON leaves
        // alone: NEL, LS, PS); plain: whatever YAML makes of the characters, or an error
        String scalar = quoted ? yamlQuoted(value) : value;
        String yaml = "name: n\nsettings:\n  - kind: sysctl\n    key: k\n    expected: " + scalar + "\n";
        Profile bound;
        try {
            bound = BINDING.readValue(yaml, Profile.class);
        } catch (IOException | RuntimeException e) {
            assertThatThrownBy(() -> read(yaml)).isInstanceOf(BadInputException.class).hasMessageStartingWith("p.yaml");
            return;
        }
        if (bound.settings() == null || bound.settings().get(0).expected() == null) {
            assertThatThrownBy(() -> read(yaml)).isInstanceOf(BadInputException.class);
        } else {
            assertThat(read(yaml)).isEqualTo(bound);
        }
        if (quoted) assertThat(read(yaml).settings().get(0).expected()).isEqualTo(value);
    }

    private static String yamlQuoted(String value) throws IOException {
        return JSON.writeValueAsString(value).replace("\u0085", "\\N").replace("\u2028", "\\L").replace("\u2029", "\\P");
    }

    @Test
    void yamlLineBreaksInAQuotedValueAreKeptWhenEscaped() throws IOException {
        // a raw NEL inside quotes is a line break to YAML, folded to a space by both readers alike
        String raw = "name: n\nsettings:\n  - kind: sysctl\n    key: k\n    expected: \"a\u0085b\"\n";
        assertThat(read(raw)).isEqualTo(BINDING.readValue(raw, Profile.class));
        assertThat(read(raw).settings().get(0).expected()).isEqualTo("a b");
        String escaped = "name: n\nsettings:\n  - kind: sysctl\n    key: k\n    expected: " + yamlQuoted("a\u0085b\u2028c") + "\n";
        assertThat(read(escaped).settings().get(0).expected()).isEqualTo("a\u0085b\u2028c");
    }

    @Test
    void wrongShapesNameTheLineOfTheField() {
        assertThatThrownBy(() -> read("name: n\nsettings:\n  - kind: sysctl\n    key: x\n    colour: red\n"))
                .isInstanceOf(BadInputException.class).hasMessage("p.yaml:5: unknown field 'colour'");
        assertThatThrownBy(() -> read("name: n\nflavour: 1\n")).hasMessage("p.yaml:2: unknown field 'flavour'");
        assertThatThrownBy(() -> read("name: n\nsettings: 5\n")).hasMessageStartingWith("p.yaml:2: 'settings' is a list");
        assertThatThrownBy(() -> read("name: n\nrules:\n  - [a]\n")).hasMessageStartingWith("p.yaml:3: 'rules' is a single value");
        assertThatThrownBy(() -> read("name: n\nsettings:\n  - kind: sysctl\n    key: x\n    expected: [1, 2]\n"))
                .hasMessageStartingWith("p.yaml:5: 'expected' is a single value, not a list");
        assertThatThrownBy(() -> read("name: n\nsettings:\n  - kind: sysctl\n    key: x\n    expected: 1\n    severity: loud\n"))
                .hasMessage("p.yaml:6: severity 'loud' is none of pass, info, warn, fail");
        assertThatThrownBy(() -> read("name: n\nsettings:\n  - just a string\n")).hasMessageStartingWith("p.yaml:3: a setting is a mapping");
        assertThatThrownBy(() -> read("- a\n- b\n")).hasMessageStartingWith("p.yaml:1: a profile is a mapping");
        assertThatThrownBy(() -> read("")).hasMessage("p.yaml: a profile needs a 'name'");
        assertThatThrownBy(() -> read("name: n\nsettings:\n  - kind: sysctl\n    key: x\n")).hasMessageContaining("needs kind, key and expected");
        assertThatThrownBy(() -> read("name: [n\n")).isInstanceOf(BadInputException.class).hasMessageStartingWith("p.yaml:");
    }

    @Test
    void aTextAuditNeverInitializesDataBinding() throws Exception {
        // the point of the token reader: a cold `kvmtune audit` does not load ObjectMapper (its class initialization
        // alone was a third of the command); --format json does, to write the report. The live host: a snapshot's
        // metadata is JSON, read with a mapper
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String format : new String[] {"text", "json"}) {
            Process p = new ProcessBuilder(javaBin, "-Xlog:class+init=info", "-cp", System.getProperty("java.class.path"),
                    "dev.kvmtune.cli.Main", "audit", "--format", format).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isIn(0, 3);
            assertThat(out).contains("Initializing 'dev/kvmtune/rules/ProfileLoader'");
            String mapper = "Initializing 'com/fasterxml/jackson/databind/ObjectMapper'";
            if (format.equals("text")) assertThat(out).doesNotContain(mapper);
            else assertThat(out).contains(mapper);
        }
    }
}
