package dev.kvmtune.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.testing.Trees;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The setting kinds that look at threads, interrupts and services, each passing and failing on a
 * small 4-CPU tree whose CPUs 2-3 are isolated.
 */
class SettingKindsTest {
    static final CpuSet ISOLATED = CpuSet.parseList("2-3");
    static final int OTHER = 0;
    static final int FIFO = 1;

    @TempDir
    Path tmp;

    @BeforeEach
    void host() throws IOException {
        Trees.put(tmp, "sys/devices/system/cpu/online", "0-3\n");
        Trees.put(tmp, "sys/devices/system/cpu/possible", "0-3\n");
        Trees.put(tmp, "proc/cmdline", "quiet\n");
        Trees.thread(tmp, 1, 1, "systemd", false, OTHER, 0, 0, "0-1");
    }

    Finding check(String kind, String key, String expected, String cpus) {
        DirectoryRoot root = DirectoryRoot.of(tmp);
        var facts = HostFactsCollector.collect(root);
        var ctx = new AuditContext(facts, root, ISOLATED, "test", facts.cpu().online().minus(ISOLATED));
        var spec = new SettingSpec(kind, key, expected, Severity.WARN, "test", "t", "w", "r", cpus);
        return SettingKinds.KINDS.get(kind).check(ctx, spec);
    }

    @Test
    void threadSchedChecksPolicyAndPriorityOfPerCpuThreadsOnTheGivenCpus() throws IOException {
        Trees.thread(tmp, 12, 12, "ksoftirqd/0", true, OTHER, 0, 0, "0");
        Trees.thread(tmp, 22, 22, "ksoftirqd/2", true, FIFO, 2, 2, "2");
        Trees.thread(tmp, 32, 32, "ksoftirqd/3", true, FIFO, 2, 3, "3");
        Finding ok = check("thread-sched", "^ksoftirqd/", "fifo:2", "${isolated}");
        assertThat(ok.severity()).isEqualTo(Severity.PASS);
        assertThat(ok.id()).isEqualTo("thread_sched.ksoftirqd");
        assertThat(ok.evidence()).hasSize(2); // ksoftirqd/0 is housekeeping, not checked

        Trees.thread(tmp, 32, 32, "ksoftirqd/3", true, OTHER, 0, 3, "3");
        Finding bad = check("thread-sched", "^ksoftirqd/", "fifo:2", "${isolated}");
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("1 of 2 differ: ksoftirqd/3 policy+priority");
        assertThat(bad.fix().runtime()).contains("for n in 2 3").contains("chrt -f -p 2");
    }

    @Test
    void threadSchedAffinityAppliesToUnboundThreadsOnly() throws IOException {
        Trees.thread(tmp, 15, 15, "rcu_preempt", true, FIFO, 1, 0, "0-1");
        Trees.thread(tmp, 16, 16, "rcuc/2", true, FIFO, 1, 2, "2");
        assertThat(check("thread-sched", "^rcu", "* affinity=${housekeeping}", null).severity()).isEqualTo(Severity.PASS);
        Trees.thread(tmp, 15, 15, "rcu_preempt", true, FIFO, 1, 0, "0-3");
        Finding bad = check("thread-sched", "^rcu", "* affinity=${housekeeping}", null);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).contains("rcu_preempt affinity");
    }

    @Test
    void threadSchedWithNoMatchingThreadIsInfoAndBadSpecsAreBadInput() {
        assertThat(check("thread-sched", "^ktimers/", "fifo:2", "${isolated}").severity()).isEqualTo(Severity.INFO);
        assertThatThrownBy(() -> check("thread-sched", "^ksoftirqd/", "fast:2", null)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("'fast:2'");
        assertThatThrownBy(() -> check("thread-sched", "([", "fifo:2", null)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a regular expression");
    }

    @Test
    void irqAffinityFailsMovableIrqsOnIsolatedCpusAndShowsPerCpuOnes() throws IOException {
        Trees.put(tmp, "proc/interrupts", """
                           CPU0       CPU1       CPU2       CPU3
                  24:         10          0          0          0  IO-APIC   5-edge      ACPI:Ged
                  25:          0          0         44          0  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
                 LOC:        100        100        100        100   Local timer interrupts
                """);
        Trees.put(tmp, "proc/irq/24/smp_affinity_list", "0-1\n");
        Trees.put(tmp, "proc/irq/24/effective_affinity_list", "0\n");
        assertThat(check("irq-affinity", "movable", "${housekeeping}", null).severity()).isEqualTo(Severity.PASS);
        Trees.put(tmp, "proc/irq/25/smp_affinity_list", "0-3\n");
        Trees.put(tmp, "proc/irq/25/effective_affinity_list", "2\n");
        Finding bad = check("irq-affinity", "movable", "${housekeeping}", null);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.evidence()).contains("irq 25 (virtio1-req.0) effective 2")
                .contains("per-CPU interrupts (cannot move) outside 0-1: LOC 200");
        assertThat(bad.fix().runtime()).contains("echo 0-1 > $i/smp_affinity_list");
    }

    @Test
    void irqAffinityLeavesKernelManagedIrqsAsShown() throws IOException {
        Trees.put(tmp, "proc/irq/30/smp_affinity_list", "2\n");
        Trees.put(tmp, "proc/irq/30/effective_affinity_list", "2\n");
        Trees.put(tmp, "sys/kernel/debug/irq/irqs/30", "handler:  handle_edge_irq\ndstate:   0x3400\n            IRQD_AFFINITY_MANAGED\n");
        Finding f = check("irq-affinity", "movable", "${housekeeping}", null);
        assertThat(f.severity()).isEqualTo(Severity.PASS);
        assertThat(f.evidence()).anyMatch(e -> e.contains("kernel-managed"));
    }

    @Test
    void irqDefaultAffinity() throws IOException {
        Trees.put(tmp, "proc/irq/default_smp_affinity", "3\n");
        assertThat(check("irq-affinity", "default", "${housekeeping}", null).severity()).isEqualTo(Severity.PASS);
        Trees.put(tmp, "proc/irq/default_smp_affinity", "f\n");
        Finding bad = check("irq-affinity", "default", "${housekeeping}", null);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("0-3");
        assertThat(bad.fix().runtime()).isEqualTo("echo 3 > /proc/irq/default_smp_affinity");
        assertThatThrownBy(() -> check("irq-affinity", "all", "0", null)).isInstanceOf(BadInputException.class);
    }

    @Test
    void irqbalanceMustBanTheIsolatedCpusWhenItRuns() throws IOException {
        assertThat(check("service", "irqbalance", "any banned=${isolated}", null).severity()).isEqualTo(Severity.PASS);
        Trees.thread(tmp, 700, 700, "irqbalance", false, OTHER, 0, 0, "0-3");
        Trees.put(tmp, "proc/700/environ", "PATH=/usr/bin\0IRQBALANCE_BANNED_CPULIST=3\0");
        Finding bad = check("service", "irqbalance", "any banned=${isolated}", null);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("banned CPUs 3 miss 2");
        Trees.put(tmp, "proc/700/environ", "IRQBALANCE_BANNED_CPULIST=2-3\0");
        assertThat(check("service", "irqbalance", "any banned=${isolated}", null).severity()).isEqualTo(Severity.PASS);
        assertThat(check("service", "irqbalance", "stopped", null).actual()).isEqualTo("running");
    }

    @Test
    void serviceRunningOrStoppedByProcessName() throws IOException {
        Finding missing = check("service", "tuned", "running", null);
        assertThat(missing.severity()).isEqualTo(Severity.WARN);
        assertThat(missing.fix().runtime()).isEqualTo("systemctl start tuned");
        Trees.thread(tmp, 800, 800, "tuned", false, OTHER, 0, 0, "0-3");
        Trees.put(tmp, "etc/systemd/system/multi-user.target.wants/tuned.service", "");
        Finding ok = check("service", "tuned", "running", null);
        assertThat(ok.severity()).isEqualTo(Severity.PASS);
        assertThat(ok.evidence()).contains("tuned runs as pid 800", "etc/systemd/system/multi-user.target.wants/tuned.service exists: starts at boot");
        assertThatThrownBy(() -> check("service", "tuned", "banned=1", null)).isInstanceOf(BadInputException.class);
    }

    @Test
    void shellVariablesAreReplacedOrAppendedAndTheRestKept() {
        String now = "#ONESHOT=yes\nIRQBALANCE_BANNED_CPUS=0\nOPTIONS=\"--hintpolicy=ignore\"\n";
        assertThat(ServiceSetting.setShellVars(now, vars("IRQBALANCE_BANNED_CPULIST", "2-3", "IRQBALANCE_BANNED_CPUS", "c")))
                .isEqualTo("#ONESHOT=yes\nIRQBALANCE_BANNED_CPUS=\"c\"\nOPTIONS=\"--hintpolicy=ignore\"\nIRQBALANCE_BANNED_CPULIST=\"2-3\"\n");
        assertThat(ServiceSetting.setShellVars("", vars("A", "1"))).isEqualTo("A=\"1\"\n");
    }

    static java.util.Map<String, String> vars(String... kv) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /** A plan edited by hand: a vm-thread key or value the kind cannot hold is refused with what is wrong, never a crash. */
    @org.junit.jupiter.api.Test
    void vmThreadRefusesWhatItCannotHold() {
        Applied kind = SettingKinds.APPLIED.get("vm-thread");
        kind.checkKey("rt1/vcpus");
        kind.checkKey("rt1/vcpu3");
        for (String bad : java.util.List.of("rt1", "/vcpus", "rt1/threads")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> kind.checkKey(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad);
        }
        ApplyContext none = new ApplyContext(null, 2, java.util.List.of(), java.util.List::of, false);
        for (String value : java.util.List.of("cpus=1 fifo:x", "cpus=1 fifo:0", "cpus=1 fifo:99999999999", "cpus=x")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> kind.changes(new Desired("vm-thread", "rt1/vcpus", value, null, "t"), none))
                    .isInstanceOf(dev.kvmtune.BadInputException.class).hasMessageContaining("rt1/vcpus");
        }
    }
}
