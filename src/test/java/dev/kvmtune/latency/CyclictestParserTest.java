package dev.kvmtune.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * cyclictest output from real runs: rt-tests 2.40 on this project's test machine (-q, progress
 * with cursor escapes, -H, --json) and rt-tests 1.x as printed in seed 002 (before and after tuning).
 */
class CyclictestParserTest {
    static String res(String name) throws IOException {
        try (InputStream in = CyclictestParserTest.class.getResourceAsStream("/latency/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void seed002BeforeTuningRtTests1() throws IOException {
        CyclictestRun r = CyclictestParser.parse(res("rt-tests-1.x-seed002-before.txt"), "before");
        assertThat(r.threads()).hasSize(1);
        var t = r.threads().get(0);
        assertThat(t.tid()).isEqualTo(2404);
        assertThat(t.priority()).isEqualTo(95);
        assertThat(t.intervalUs()).isEqualTo(200);
        assertThat(t.max()).isEqualTo(1475);
        assertThat(t.min()).isEqualTo(5);
        assertThat(r.histogramBuckets()).isEqualTo(60);
        assertThat(t.overflows()).isEqualTo(604);
        // Total 2998821 in the histogram plus 604 overflows
        assertThat(t.samples()).isEqualTo(2_998_821 + 604);
        assertThat(t.overflowCycles()).hasSize(60).startsWith(4405L, 8373L);
        assertThat(t.percentiles().get("p50")).isEqualTo(new CyclictestRun.Percentile(17, false));
        assertThat(t.percentiles().get("p99").us()).isEqualTo(21);
        // 604 overflows of 2999425 samples are 0.02%: p99.99 lands among them
        assertThat(t.percentiles().get("p99.99")).isEqualTo(new CyclictestRun.Percentile(60, true));
    }

    @Test
    void seed002AfterTuningTruncatedHistogramStillReads() throws IOException {
        CyclictestRun r = CyclictestParser.parse(res("rt-tests-1.x-seed002-after-truncated.txt"), "after");
        var t = r.threads().get(0);
        assertThat(t.max()).isEqualTo(12);
        assertThat(t.percentiles().get("p50").us()).isEqualTo(8);
    }

    @Test
    void rtTests2QuietWithHistogramAndOverflows() throws IOException {
        CyclictestRun r = CyclictestParser.parse(res("rt-tests-2.40-q-h30-2threads.txt"), "q");
        assertThat(r.threads()).hasSize(2);
        assertThat(r.histogramBuckets()).isEqualTo(30);
        for (var t : r.threads()) {
            long inHist = CyclictestParser.sum(t.histogram());
            assertThat(t.samples()).isEqualTo(inHist + t.overflows());
            assertThat(t.overflows()).isPositive();
            assertThat(t.max()).isGreaterThanOrEqualTo(30);
        }
    }

    @Test
    void rtTests2ProgressLinesAndHistofallTotalColumn() throws IOException {
        String text = res("rt-tests-2.40-progress-H20-2threads.txt");
        assertThat(text).contains("\u001B[");
        CyclictestRun r = CyclictestParser.parse(text, "progress");
        // -H adds a total column: still two threads
        assertThat(r.threads()).hasSize(2);
        assertThat(r.histogramBuckets()).isEqualTo(20);
        assertThat(r.threads().get(0).samples()).isEqualTo(CyclictestParser.sum(r.threads().get(0).histogram()) + r.threads().get(0).overflows());
        // the last progress line is the final one
        assertThat(r.threads().get(0).max()).isPositive();
    }

    @Test
    void rtTests2JsonWithItsColonKeys() throws IOException {
        CyclictestRun json = CyclictestParser.parse(res("rt-tests-2.40-h30-2threads.json"), "json");
        CyclictestRun text = CyclictestParser.parse(res("rt-tests-2.40-q-h30-2threads.txt"), "text");
        assertThat(json.version()).isEqualTo("2.40");
        assertThat(json.cmdline()).contains("-h30");
        assertThat(json.histogramBuckets()).isEqualTo(30);
        assertThat(json.threads().get(1).cpu()).isEqualTo(1);
        for (int i = 0; i < 2; i++) {
            // the same run: the JSON's overflows are its cycles minus the histogram
            assertThat(json.threads().get(i).max()).isEqualTo(text.threads().get(i).max());
            assertThat(json.threads().get(i).overflows()).isEqualTo(text.threads().get(i).overflows());
            assertThat(json.threads().get(i).percentiles()).isEqualTo(text.threads().get(i).percentiles());
        }
    }

    @Test
    void badInputNamesFileAndLine() {
        assertThatThrownBy(() -> CyclictestParser.parse("hello\n", "f.txt")).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("f.txt: no cyclictest output");
        assertThatThrownBy(() -> CyclictestParser.parse("# Histogram\n000000 000001 000002\n000001 000003\n", "f.txt"))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("f.txt:3: histogram line has 2 columns");
        assertThatThrownBy(() -> CyclictestParser.parse("{\"thread\": {\"0\": {\n", "f.json"))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("f.json:");
        assertThatThrownBy(() -> CyclictestParser.parse("{\"a\": 1}", "f.json"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("\"thread\"");
        assertThatThrownBy(() -> CyclictestParser.parse("# Histogram\n000000 99999999999999999999\n", "f.txt"))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("f.txt:2:");
    }

    @Property(tries = 500)
    void anyTextIsParsedOrRefusedAsBadInput(@ForAll String text) {
        try {
            CyclictestParser.parse(text, "fuzz");
        } catch (BadInputException expected) {
            // the one allowed failure
        }
    }

    @Property(tries = 300)
    void mangledRealOutputIsParsedOrRefusedAsBadInput(@ForAll int cut, @ForAll char junk) throws IOException {
        String real = res("rt-tests-2.40-q-h30-2threads.txt");
        int at = Math.floorMod(cut, real.length());
        String mangled = real.substring(0, at) + junk + real.substring(Math.min(real.length(), at + 1));
        try {
            CyclictestParser.parse(mangled, "fuzz");
        } catch (BadInputException expected) {
            // the one allowed failure
        }
    }
}
