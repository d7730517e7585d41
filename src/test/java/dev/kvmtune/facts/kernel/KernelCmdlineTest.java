package dev.kvmtune.facts.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class KernelCmdlineTest {
    @Test
    void splitsLikeTheKernel() {
        KernelCmdline c = KernelCmdline.parse("BOOT_IMAGE=/vmlinuz root=UUID=ab quiet isolcpus=nohz,domain,2-3 "
                + "console=tty0 console=ttyS0,115200 dyndbg=\"file foo.c +p\" -- single --init-arg\n");
        assertThat(c.last("root")).contains("UUID=ab");
        assertThat(c.has("quiet")).isTrue();
        assertThat(c.last("quiet")).contains("");
        assertThat(c.all("console")).containsExactly("tty0", "ttyS0,115200");
        assertThat(c.last("console")).contains("ttyS0,115200");
        assertThat(c.last("dyndbg")).contains("file foo.c +p");
        assertThat(c.initArgs()).containsExactly("single", "--init-arg");
        assertThat(c.has("single")).isFalse();
        assertThat(c.last("absent")).isEmpty();
    }

    @Test
    void emptyLine() {
        assertThat(KernelCmdline.parse("").isEmpty()).isTrue();
        assertThat(KernelCmdline.parse("   \n").params()).isEmpty();
    }

    @Property
    void neverThrows(@ForAll String text) {
        KernelCmdline.parse(text);
    }
}
