package dev.kvmtune.plan.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelCmdlineRendererTest {
    @Test
    void mergeReplacesInPlaceDropsRepeatsAppendsTheRestAndKeepsInitArgsLast() {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("isolcpus", "2-7");
        want.put("idle", "poll");
        want.put("mce", null);
        want.put("skew_tick", "1");
        String merged = KernelCmdlineRenderer.merge("BOOT_IMAGE=/vmlinuz root=UUID=1 ro isolcpus=3 quiet mce=off isolcpus=4 -- single", want);
        assertThat(merged).isEqualTo("BOOT_IMAGE=/vmlinuz root=UUID=1 ro isolcpus=2-7 quiet idle=poll skew_tick=1 -- single");
    }

    @Test
    void valuesWithSpacesAreQuotedAndFlagsStayBare() {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("nosoftlockup", "");
        want.put("dyndbg", "file a.c +p");
        assertThat(KernelCmdlineRenderer.merge("ro", want)).isEqualTo("ro nosoftlockup dyndbg=\"file a.c +p\"");
        assertThat(KernelCmdlineRenderer.merge(null, want)).isEqualTo("nosoftlockup dyndbg=\"file a.c +p\"");
    }

    @Test
    void mergingTwiceChangesNothing() {
        Map<String, String> want = Map.of("nohz_full", "1-3", "rcu_nocbs", "1-3");
        String once = KernelCmdlineRenderer.merge("ro quiet nohz_full=2", want);
        assertThat(KernelCmdlineRenderer.merge(once, want)).isEqualTo(once);
    }
}
