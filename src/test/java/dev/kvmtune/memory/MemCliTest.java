package dev.kvmtune.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * mem's options on an smemcap archive of a real process (a stopped static busybox, written by
 * capture --smemcap on this machine): text, percentages, abbreviations, totals, charts, and the
 * live --interval.
 */
class MemCliTest {
    private static final String TAR = "src/test/resources/dev/kvmtune/fuzz/ParsersFuzzTestInputs/smemcap/busybox.tar";

    @Test
    void textPercentAbbreviationsAndTotals() {
        Cli.Result r = Cli.run("mem", "--snapshot", TAR, "-c", "pid,name,maps,vss,pss,hugetlb");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("  PID Name    Maps  VSS  PSS Hugetlb\n11581 busybox   12 2272 1420       0\n");
        Cli.Result k = Cli.run("mem", "--snapshot", TAR, "-k", "-c", "pid vss pss");
        assertThat(k.out()).contains("11581 2.2M 1.4M");
        Cli.Result p = Cli.run("mem", "--snapshot", TAR, "-p", "-t", "-c", "pid swap pss");
        // no swap on the captured host: a share of nothing is N/A, as smem prints it
        assertThat(p.out()).contains("11581  N/A 0.01%").contains("    1  N/A 0.01%");
        Cli.Result m = Cli.run("mem", "--snapshot", TAR, "--by", "mapping", "-r", "-t");
        assertThat(m.out().lines().skip(1).findFirst().orElseThrow()).startsWith("/usr/bin/busybox");
        assertThat(m.out()).contains("\n8 ");
    }

    @Test
    void jsonCarriesEveryColumnAndTotals() throws Exception {
        Cli.Result r = Cli.run("mem", "--snapshot", TAR, "--format", "json");
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.path("view").asText()).isEqualTo("process");
        JsonNode row = doc.path("rows").get(0);
        assertThat(row.path("pid").asLong()).isEqualTo(11581);
        assertThat(row.path("name").asText()).isEqualTo("busybox");
        assertThat(row.path("maps").asLong()).isEqualTo(12);
        assertThat(row.path("pssKb").asLong()).isEqualTo(1420);
        assertThat(row.has("pssAnonKb")).as("smaps has no Pss_Anon per mapping: absent, not 0").isFalse();
        assertThat(doc.path("totals").path("pssKb").asLong()).isEqualTo(1420);
    }

    @Test
    void chartsAreSelfContainedSvg(@TempDir Path tmp) throws Exception {
        Path pie = tmp.resolve("pie.svg");
        Cli.Result r = Cli.run("mem", "--snapshot", TAR, "--by", "mapping", "--pie", "map", "--sort", "pss", "-o", pie.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Document d = parse(Files.readString(pie));
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        String svg = Files.readString(pie);
        // the archive's MemTotal is far beyond 1.4 MB: the rest is the unused slice, the small mappings go to "other"
        assertThat(svg).contains("unused").contains("map by pss").doesNotContain("href").doesNotContain("<script");
        Path bar = tmp.resolve("bar.svg");
        Cli.Result b = Cli.run("mem", "--snapshot", TAR, "--by", "mapping", "--bar", "map", "-c", "map,pss,rss", "-o", bar.toString());
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(parse(Files.readString(bar)).getElementsByTagName("rect").getLength()).as("two bars for each of the 8 mappings, plus frame and legend")
                .isGreaterThanOrEqualTo(16);
        assertThat(Cli.run("mem", "--snapshot", TAR, "--pie", "name", "--sort", "command", "-o", pie.toString()).err())
                .contains("--pie sizes slices by --sort, which must be a size column, not command");
    }

    @Test
    void intervalRepeatsOnTheLiveHostOnly() {
        Cli.Result r = Cli.run("mem", "--interval", "100ms", "--count", "2", "-c", "pid,pss", "-P", "^/nonexistent-command$");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().split("sizes in kB", -1)).as(r.out()).hasSize(3);
        Cli.Result s = Cli.run("mem", "--snapshot", TAR, "--interval", "1s", "--count", "2");
        assertThat(s.exit()).isEqualTo(2);
        assertThat(s.err()).contains("--interval needs the live host");
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
