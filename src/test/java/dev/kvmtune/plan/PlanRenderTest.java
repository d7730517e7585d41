package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.kvmtune.BadInputException;
import dev.kvmtune.plan.render.KernelCmdlineRenderer;
import dev.kvmtune.plan.render.RenderedFile;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import dev.kvmtune.util.CpuSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanRenderTest {
    static Plan planWith(String bootLine, String bootLoader, List<PlannedSetting> settings) {
        Partition p = new Partition(CpuSet.of(0), CpuSet.of(1), CpuSet.EMPTY, List.of(), List.of(), List.of(), List.of());
        return new Plan(Plan.SCHEMA, "realtime-virtual-host", "/", new Plan.HostSummary("GenuineIntel", "x86_64", "6.1.0", bootLine, bootLoader,
                bootLine, "etc/default/grub", 2), p, settings, List.of(), List.of());
    }

    @Test
    void aLineTooLongForGrubenvIsWarnedAbout() {
        String longLine = "ro " + "x".repeat(990);
        List<PlannedSetting> s = List.of(new PlannedSetting("cmdline", "idle", "poll", null, "cmdline.idle", true, "t"));
        RenderedFile f = KernelCmdlineRenderer.render(planWith(longLine, "bls", s)).get(0);
        assertThat(f.content()).contains("WARNING: the line is longer than the", "grubenv", "grubby --update-kernel=ALL --args=\"idle=poll\"");
        assertThat(f.content().indexOf("grubby")).isLessThan(f.content().indexOf("update-grub"));
        RenderedFile shortOne = KernelCmdlineRenderer.render(planWith("ro quiet idle=halt", "grub", s)).get(0);
        assertThat(shortOne.content()).doesNotContain("WARNING").contains("change  idle=halt -> idle=poll", "ro quiet idle=poll")
                .contains("grubby --update-kernel=ALL --remove-args=\"idle\"");
        assertThat(shortOne.content().indexOf("update-grub")).isLessThan(shortOne.content().indexOf("grubby"));
        RenderedFile huge = KernelCmdlineRenderer.render(planWith("ro " + "y".repeat(2100), "grub", s)).get(0);
        assertThat(huge.content()).contains("the x86 kernel keeps only 2047");
    }

    @Property(tries = 500)
    void vmSpecsParseOrAreRefusedCleanly(@ForAll String spec) {
        assertThatCode(() -> {
            try {
                VmRequest.parse(spec);
            } catch (BadInputException e) {
                assertThat(e.getMessage()).startsWith("--vm ");
            }
        }).doesNotThrowAnyException();
    }

    @Test
    void aRealQcow2ImageSizesTheCacheInEveryRendering(@TempDir Path tmp) throws Exception {
        Path image = tmp.resolve("web.qcow2");
        Process p = new ProcessBuilder(Requires.command("qemu-img", "qemu-utils").toString(), "create", "-f", "qcow2", "-o", "cluster_size=128K", image.toString(), "200G")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(said).isZero();
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("plan", "--profile", "virtual-host", "--vm", "name=web,vcpus=1,memory=1G,disk=" + image, "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        // 200 GiB / 128 KiB clusters * 8 bytes = 12.5 MiB of L2 tables, whole clusters
        long l2 = 200L * 1024 * 1024 * 1024 / (128 * 1024) * 8;
        assertThat(Files.readString(out.resolve("qcow2/web.txt"))).contains("l2-cache-size=" + l2 + ",refcount-cache-size=" + l2 / 4);
        assertThat(Files.readString(out.resolve("qemu/web.args"))).contains("cache=none,aio=native,l2-cache-size=" + l2);
        String xml = Files.readString(out.resolve("libvirt/web.xml"));
        assertThat(xml).contains("<max_size unit=\"bytes\">" + l2 + "</max_size>", "iothread=\"1\"");
        Process v = new ProcessBuilder(Requires.command("virt-xml-validate", "libvirt-clients").toString(), out.resolve("libvirt/web.xml").toString(), "domain").redirectErrorStream(true).start();
        String vs = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(v.waitFor()).as(vs).isZero();
    }
}
