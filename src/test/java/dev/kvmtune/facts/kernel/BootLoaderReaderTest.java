package dev.kvmtune.facts.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BootLoaderReaderTest {
    @Test
    void grubDefaultJoinsLinuxAndDefault() {
        String text = """
                # If you change this file, run 'update-grub' afterwards
                GRUB_DEFAULT=0
                GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"
                GRUB_CMDLINE_LINUX="isolcpus=2-3 nohz_full=2-3"
                """;
        assertThat(BootLoaderReader.parseGrubDefault(text)).isEqualTo("isolcpus=2-3 nohz_full=2-3 quiet splash");
    }

    @Test
    void grubDefaultExpandsReferencesAndLaterAssignmentsWin() {
        String text = """
                GRUB_CMDLINE_LINUX='rcu_nocbs=1'
                GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX nohz_full=1"   # appended by a tuning recipe
                export GRUB_CMDLINE_LINUX_DEFAULT=""
                """;
        assertThat(BootLoaderReader.parseGrubDefault(text)).isEqualTo("rcu_nocbs=1 nohz_full=1");
    }

    @Test
    void blsOptionsLine() {
        String entry = """
                title Fedora Linux (6.8.5-301.fc40.x86_64)
                version 6.8.5-301.fc40.x86_64
                linux /vmlinuz-6.8.5-301.fc40.x86_64
                options root=UUID=1234 ro rhgb quiet isolcpus=4-7
                """;
        assertThat(BootLoaderReader.parseBlsOptions(entry)).isEqualTo("root=UUID=1234 ro rhgb quiet isolcpus=4-7");
        assertThat(BootLoaderReader.parseBlsOptions("title x\n")).isNull();
    }
}
