package dev.kvmtune.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apply and rollback on this machine: a harmless sysctl, a sysfs selection file, a per-CPU kernel thread's policy, and a real
 * QEMU's threads by role (vCPU 0 alone on the last CPU at SCHED_FIFO 1, every other thread on
 * CPU 0), read back through /proc and restored by rollback.
 */
class ApplyLiveTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** This host's plan (host summary and partition from 'kvmtune plan') holding just these settings. */
    static Path planWith(Path dir, ArrayNode settings) throws Exception {
        Cli.Result r = Cli.run("plan", "--vm", "name=live,vcpus=1,memory=64M", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        ObjectNode plan = (ObjectNode) JSON.readTree(r.out());
        plan.set("settings", settings);
        Path file = dir.resolve("plan.json");
        Files.writeString(file, JSON.writeValueAsString(plan));
        return file;
    }

    @Test
    void aSysctlAndASysfsSelectionAreAppliedAndRolledBack(@TempDir Path dir) throws Exception {
        Requires.root("writing /proc/sys needs root");
        Path statInterval = Path.of("/proc/sys/vm/stat_interval");
        Path defrag = Path.of("/sys/kernel/mm/transparent_hugepage/defrag");
        Requires.machine(Files.isWritable(statInterval) && Files.exists(defrag), "vm.stat_interval or THP defrag is not writable on this kernel");
        String interval = Files.readString(statInterval).strip();
        String defragBefore = Files.readString(defrag).strip();
        String chosen = dev.kvmtune.facts.memory.MemoryReader.selected(defragBefore);
        String other = chosen.equals("madvise") ? "never" : "madvise";
        String wanted = String.valueOf(Integer.parseInt(interval) + 2);

        ObjectMapper m = JSON;
        ArrayNode settings = m.createArrayNode();
        settings.add(m.createObjectNode().put("kind", "sysctl").put("key", "vm.stat_interval").put("value", wanted).put("rule", "test").put("reboot", false));
        settings.add(m.createObjectNode().put("kind", "sysfs").put("key", "sys/kernel/mm/transparent_hugepage/defrag").put("value", other)
                .put("rule", "test").put("reboot", false));
        int last = Runtime.getRuntime().availableProcessors() - 1;
        settings.add(m.createObjectNode().put("kind", "thread-sched").put("key", "^ksoftirqd/").put("value", "fifo:2").put("cpus", String.valueOf(last))
                .put("rule", "test").put("reboot", false));
        Path plan = planWith(dir, settings);
        Path journals = dir.resolve("journals");
        long ksoftirqd = ProcessHandle.allProcesses().filter(h -> comm(h.pid()).equals("ksoftirqd/" + last)).findFirst().orElseThrow().pid();
        String ksoftirqdBefore = sched(ksoftirqd).get((int) ksoftirqd);

        Cli.Result dry = Cli.run("apply", plan.toString(), "--journal-dir", journals.toString());
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("/proc/sys/vm/stat_interval  " + interval + " -> " + wanted).contains(chosen + " -> " + other);
        assertThat(Files.readString(statInterval).strip()).as("the dry run changes nothing").isEqualTo(interval);

        Cli.Result r = Cli.run("apply", plan.toString(), "--yes", "--journal-dir", journals.toString());
        try {
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(Files.readString(statInterval).strip()).isEqualTo(wanted);
            assertThat(dev.kvmtune.facts.memory.MemoryReader.selected(Files.readString(defrag).strip())).isEqualTo(other);
            assertThat(sched(ksoftirqd).get((int) ksoftirqd)).isEqualTo("policy 1 prio 2 cpus " + last);
            Cli.Result again = Cli.run("apply", plan.toString(), "--yes", "--journal-dir", journals.toString());
            assertThat(again.out()).contains("Nothing to change");
        } finally {
            Cli.Result rb = Cli.run("rollback", "--journal-dir", journals.toString());
            assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
        }
        assertThat(Files.readString(statInterval).strip()).isEqualTo(interval);
        assertThat(Files.readString(defrag).strip()).isEqualTo(defragBefore);
        assertThat(sched(ksoftirqd).get((int) ksoftirqd)).isEqualTo(ksoftirqdBefore);
        Cli.Result st = Cli.run("apply", "--status", "--journal-dir", journals.toString());
        assertThat(st.out()).contains("rolled-back");
    }

    @Test
    void aRealQemusThreadsArePinnedByRoleAndRestored(@TempDir Path dir) throws Exception {
        Requires.root("SCHED_FIFO needs root");
        int cpus = Runtime.getRuntime().availableProcessors();
        Requires.machine(cpus >= 2, "one CPU: a vCPU alone on a CPU needs a second one");
        try (Qemu q = Qemu.start(dir, "applylive", List.of("-smp", "2", "-m", "64M"))) {
            String suffix = q.accel().equals("kvm") ? "KVM" : "TCG";
            for (int i = 0; i < 300 && q.threadsNamed("CPU 1/" + suffix).isEmpty(); i++) Thread.sleep(100);
            int vcpu0 = q.threadsNamed("CPU 0/" + suffix).get(0);
            int vcpu1 = q.threadsNamed("CPU 1/" + suffix).get(0);
            long pid = q.pid();
            Map<Integer, String> before = sched(pid);
            int last = cpus - 1;
            String housekeeping = last == 1 ? "0" : "0-" + (last - 1);
            ArrayNode settings = JSON.createArrayNode();
            settings.add(JSON.createObjectNode().put("kind", "vm-thread").put("key", "applylive/vcpu0").put("value", "cpus=" + last + " fifo:1")
                    .put("rule", "vm.vcpu.pinned_isolated").put("reboot", false));
            settings.add(JSON.createObjectNode().put("kind", "vm-thread").put("key", "applylive/vcpu1").put("value", "cpus=" + housekeeping)
                    .put("rule", "vm.vcpu.pinned_isolated").put("reboot", false));
            settings.add(JSON.createObjectNode().put("kind", "vm-thread").put("key", "applylive/emulator").put("value", "cpus=" + housekeeping)
                    .put("rule", "vm.emulator.off_vcpu_cpus").put("reboot", false));
            Path plan = planWith(dir, settings);
            Path journals = dir.resolve("journals");

            Cli.Result r = Cli.run("apply", plan.toString(), "--yes", "--journal-dir", journals.toString());
            try {
                assertThat(r.exit()).as(r.out() + r.err()).isZero();
                Map<Integer, String> now = sched(pid);
                assertThat(now.get(vcpu0)).isEqualTo("policy 1 prio 1 cpus " + last);
                assertThat(now.get(vcpu1)).isEqualTo("policy 0 prio 0 cpus " + housekeeping);
                assertThat(now.get((int) pid)).isEqualTo("policy 0 prio 0 cpus " + housekeeping);
                now.forEach((tid, s) -> {
                    if (tid != vcpu0) assertThat(s).as("thread %d", tid).endsWith("cpus " + housekeeping);
                });
            } finally {
                Cli.Result rb = Cli.run("rollback", "--journal-dir", journals.toString());
                assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
            }
            Map<Integer, String> after = sched(pid);
            // QEMU's thread-pool workers come and go; the threads present before and after must be as before.
            after.keySet().retainAll(before.keySet());
            Map<Integer, String> expected = new TreeMap<>(before);
            expected.keySet().retainAll(after.keySet());
            assertThat(after).isEqualTo(expected).containsKeys(vcpu0, vcpu1, (int) pid);
        }
    }

    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** policy, priority and allowed CPUs of each thread of a process, as /proc shows them. */
    static Map<Integer, String> sched(long pid) throws Exception {
        Map<Integer, String> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
                    String allowed = Files.readAllLines(t.resolve("status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                            .findFirst().orElseThrow().substring(18).strip();
                    out.put(Integer.parseInt(t.getFileName().toString()), "policy " + f[38] + " prio " + f[37] + " cpus " + allowed);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // a worker thread that exited meanwhile
                }
            }
        }
        return out;
    }
}
