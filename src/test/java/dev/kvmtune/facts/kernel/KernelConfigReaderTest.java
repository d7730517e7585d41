package dev.kvmtune.facts.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelConfigReaderTest {
    @Test
    void keepsRelevantOptionsAndNotSet() {
        var opts = KernelConfigReader.parse("""
                #
                # Automatically generated file; DO NOT EDIT.
                CONFIG_HZ=1000
                CONFIG_NO_HZ_FULL=y
                # CONFIG_PREEMPT_RT is not set
                CONFIG_KSM=y
                CONFIG_LOCALVERSION="-rt"
                CONFIG_UNRELATED=m
                """);
        assertThat(opts).containsEntry("CONFIG_HZ", "1000").containsEntry("CONFIG_NO_HZ_FULL", "y")
                .containsEntry("CONFIG_PREEMPT_RT", "n").containsEntry("CONFIG_KSM", "y")
                .doesNotContainKey("CONFIG_UNRELATED").doesNotContainKey("CONFIG_LOCALVERSION");
    }

    @Test
    void preemptModelFromVersionString() {
        assertThat(KernelReader.preemptModel("#1 SMP PREEMPT_RT Debian 6.1.90-1")).isEqualTo("PREEMPT_RT");
        assertThat(KernelReader.preemptModel("#1 SMP PREEMPT_DYNAMIC Debian 6.1.94-1 (2024-06-21)")).isEqualTo("PREEMPT_DYNAMIC");
        assertThat(KernelReader.preemptModel("#1 SMP Tue Jan 1")).isEqualTo("none");
    }
}
