package dev.kvmtune.facts.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.kernel.KernelCmdline;
import org.junit.jupiter.api.Test;

class IsolationReaderTest {
    @Test
    void isolcpusFlagsAndList() {
        var c = KernelCmdline.parse("isolcpus=nohz,domain,managed_irq,2-5 nohz_full=2-N rcu_nocbs=2-5 irqaffinity=0-1");
        var r = IsolationReader.requested(c, "isolcpus", 7, true);
        assertThat(r.flags()).containsExactly("nohz", "domain", "managed_irq");
        assertThat(r.cpus().toList()).isEqualTo("2-5");
        assertThat(IsolationReader.requested(c, "nohz_full", 7, false).cpus().toList()).isEqualTo("2-7");
        assertThat(IsolationReader.requested(c, "irqaffinity", 7, false).cpus().toList()).isEqualTo("0-1");
    }

    @Test
    void plainIsolcpusAndBadList() {
        var c = KernelCmdline.parse("isolcpus=3,5 rcu_nocbs=x-y");
        assertThat(IsolationReader.requested(c, "isolcpus", 7, true).flags()).isEmpty();
        assertThat(IsolationReader.requested(c, "isolcpus", 7, true).cpus().toList()).isEqualTo("3,5");
        var bad = IsolationReader.requested(c, "rcu_nocbs", 7, false);
        assertThat((Object) bad.cpus()).isNull();
        assertThat(bad.error()).contains("bad CPU number");
        assertThat(IsolationReader.requested(c, "nohz_full", 7, false)).isNull();
    }
}
