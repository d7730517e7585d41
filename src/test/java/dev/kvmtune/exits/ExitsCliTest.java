package dev.kvmtune.exits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** exits report and diff on seed 001's measurements, against golden output, and their refusals. */
class ExitsCliTest {
    static final Path SEED = Path.of("src/test/resources/exits/seed001");
    static final Path GOLDEN = Golden.resources().resolve("exits/golden");
    static final String LEGACY_XML = "src/test/resources/dev/kvmtune/libvirt/legacy.xml";

    @TempDir
    Path tmp;

    @Test
    void reportTiesExitsToTheVmsDeviceModels() throws IOException {
        Cli.Result r = Cli.run("exits", "report", SEED.resolve("nic-e1000.stp").toString(), SEED.resolve("disk-ide.stp").toString(),
                "--duration", "1s", "--xml", LEGACY_XML);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("[warn] exits.mmio.emulated_nic: EPT_MISCONFIG: 61918 exits (60.1%, 61918/s); NIC e1000")
                .contains("[warn] exits.io.pio_disk: IO_INSTRUCTION: 163237 exits (93.6%, 163237/s); disk bus ide");
        Golden.check(GOLDEN.resolve("report-e1000-ide.txt"), r.out());

        Cli.Result json = Cli.run("exits", "report", SEED.resolve("msr.stp").toString(), "--duration", "1s", "--format", "json");
        assertThat(json.exit()).isZero();
        Golden.check(GOLDEN.resolve("report-msr.json"), json.out());
        assertThat(json.out()).contains("\"id\" : \"exits.msr.icr\"").contains("\"id\" : \"exits.msr.eoi\"");
    }

    @Test
    void withoutTheVmTheDiagnosisStaysGeneral() {
        Cli.Result r = Cli.run("exits", "report", SEED.resolve("nic-e1000.stp").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("exits.mmio:").doesNotContain("emulated_nic").doesNotContain("PER SEC");
        Cli.Result idle = Cli.run("exits", "report", SEED.resolve("idle.stp").toString(), "--duration", "1s");
        assertThat(idle.out()).contains("exits.hlt").contains("Leave them");
    }

    @Test
    void diffSideBySideWithAChart() throws Exception {
        Path svg = tmp.resolve("nic.svg");
        Cli.Result d = Cli.run("exits", "diff", SEED.resolve("nic-e1000.stp").toString(), SEED.resolve("nic-virtio-net.stp").toString(),
                SEED.resolve("nic-vhost.stp").toString(), "--duration", "1s", "-o", svg.toString(), "--title", "seed 001: NIC models");
        assertThat(d.exit()).as(d.err()).isZero();
        Golden.check(GOLDEN.resolve("diff-nic.txt"), d.out());
        assertThat(d.out()).contains("EPT_MISCONFIG").contains("6742 (×0.11)").contains("21996 (×0.36)");
        String chart = Files.readString(svg);
        Golden.check(GOLDEN.resolve("diff-nic.svg"), chart);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        // three bars per reason, ten reasons
        assertThat(doc.getElementsByTagName("rect").getLength()).isEqualTo(1 + 3 + 10 * 3);

        Cli.Result json = Cli.run("exits", "diff", SEED.resolve("disk-ide.stp").toString(), SEED.resolve("disk-virtio-blk.stp").toString(), "--format", "json");
        assertThat(json.out()).contains("\"unit\" : \"exits (count; give --duration for rates)\"").contains("\"IO_INSTRUCTION\"");
    }

    @Test
    void badInputIsExitTwoWithTheFile() throws IOException {
        Path bin = tmp.resolve("perf.data");
        Files.write(bin, new byte[] {'P', 'E', 'R', 'F', 'I', 'L', 'E', '2', 0, 0, 1});
        Cli.Result r = Cli.run("exits", "report", bin.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(bin + ": binary data").contains("perf script");
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "just some notes\n");
        assertThat(Cli.run("exits", "report", text.toString()).err()).contains(text + ":1: not a VM-exit input");
        assertThat(Cli.run("exits", "report", tmp.resolve("missing").toString()).err()).contains("no such file");
        assertThat(Cli.run("exits", "diff", SEED.resolve("idle.stp").toString()).exit()).isEqualTo(2);
        assertThat(Cli.run("exits", "report", SEED.resolve("idle.stp").toString(), "--isa", "arm").err()).contains("--isa takes vmx or svm");
        assertThat(Cli.run("exits", "record", "--duration", "5s").err()).contains("needs --vm NAME or --pid PID");
        assertThat(Cli.run("exits", "record", "--pid", "1", "--source", "bpf").exit()).isEqualTo(2);
    }

    @Test
    void unknownLinesAreWarnedOnceWithFileAndLine() throws IOException {
        Path f = tmp.resolve("mixed.stp");
        Files.writeString(f, Files.readString(SEED.resolve("idle.stp")) + "oops\nagain\n");
        Cli.Result r = Cli.run("exits", "report", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("warning: " + f + ":5: not a systemtap count line: oops").contains("2 lines not understood");
        assertThat(r.err().split("warning:")).hasSize(2);
    }
}
