package dev.kvmtune.flame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The linear matchers give the groups the script's regexes give, on lines of every shape. */
class PerfLineShapesTest {
    static String[] regex(Pattern p, String s, int groups) {
        Matcher m = p.matcher(s);
        if (!m.find()) return null;
        String[] g = new String[groups];
        for (int i = 0; i < groups; i++) g[i] = m.group(i + 1);
        return g;
    }

    /** Lines from the characters the regexes care about, short enough for the backtracking engine. */
    @Provide
    Arbitrary<String> lines() {
        return Arbitraries.strings().withChars(' ', '\t', '\r', 'a', 'Z', '_', '1', '9', '/', ':', '(', ')', '.', '+', '-', '[', '\u00e9')
                .ofMinLength(0).ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> perfish() {
        Arbitrary<String> part = Arbitraries.of("java", " ", "  ", "\t", "123", "/", "456", ":", " cpu-clock:", " 1.000:", "(", ")", " (",
                "[kernel.kallsyms]", "ffffffff81001234", "a", "x:", ":  ", "1/2");
        return part.list().ofMaxSize(12).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void headerAsTheRegex(@ForAll("lines") String s) {
        assertThat(PerfLineShapes.header(s)).as("%s", s).isEqualTo(regex(PerfCollapse.HEADER, s, 3));
    }

    @Property(tries = 3000)
    void eventAsTheRegex(@ForAll("lines") String s) {
        assertThat(PerfLineShapes.event(s)).as("%s", s).isEqualTo(regex(PerfCollapse.EVENT, s, 2));
    }

    @Property(tries = 3000)
    void frameAsTheRegex(@ForAll("lines") String s) {
        assertThat(PerfLineShapes.frame(s)).as("%s", s).isEqualTo(regex(PerfCollapse.FRAME, s, 3));
    }

    @Property(tries = 3000)
    void perfShapedLinesAsTheRegexes(@ForAll("perfish") String s) {
        assertThat(PerfLineShapes.header(s)).as("header %s", s).isEqualTo(regex(PerfCollapse.HEADER, s, 3));
        assertThat(PerfLineShapes.event(s)).as("event %s", s).isEqualTo(regex(PerfCollapse.EVENT, s, 2));
        assertThat(PerfLineShapes.frame(s)).as("frame %s", s).isEqualTo(regex(PerfCollapse.FRAME, s, 3));
    }

    /** Lines of a megabyte that match nothing (each took the regexes from a minute to forever) are decided at once. */
    @Test
    void longLinesAreLinear() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            String a = "a".repeat(1 << 20);
            assertThat(PerfLineShapes.frame(a)).isNull();
            assertThat(PerfLineShapes.header(a)).isNull();
            assertThat(PerfLineShapes.event(":" + " ".repeat(1 << 20) + "1".repeat(1 << 20))).isNull();
            assertThat(PerfLineShapes.header("a" + " ".repeat(1 << 20) + "x")).isNull();
            assertThat(PerfLineShapes.frame("a" + " (".repeat(1 << 19))).isNull();
            assertThat(PerfLineShapes.frame("a b".repeat(1 << 18) + " (x)")).isNotNull();
        });
    }
}
