package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Qemu;
import dev.kvmtune.testing.Requires;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan for this machine, carried out on a real QEMU: the VM starts from the rendered arguments
 * (hugepage memfd backing bound to the planned node, the planned CPU flags), the rendered pin script
 * pins its threads by role, and audit then passes the VM rules the plan asked for.
 */
class PlanLiveTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theRenderedArgsStartQemuAndThePinScriptPinsItsThreads(@TempDir Path out) throws Exception {
        Requires.root("reserving hugepages and SCHED_FIFO need root");
        Requires.machine(Runtime.getRuntime().availableProcessors() >= 2, "one CPU: a realtime VM needs a second core to isolate");
        Cli.Result r = Cli.run("plan", "--vm", "name=rtlive,vcpus=1,memory=64M,rt", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode plan = JSON.readTree(Files.readString(out.resolve("plan.json")));
        JsonNode vm = plan.get("partition").get("vms").get(0);
        int pin = vm.get("vcpuPins").get(0).asInt();
        String emulator = vm.get("emulatorCpus").asText();
        String isolated = plan.get("partition").get("isolated").asText();
        long pageKb = vm.get("hugepageKb").asLong();
        long pages = vm.get("hugepageCount").asLong();
        assertThat(pageKb).isEqualTo(2048);

        List<String> argv = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("qemu/rtlive.args"))) if (!line.startsWith("#")) argv.add(line);
        // The test harness gives -name, -accel and the QMP socket itself; it runs "-cpu host" as qemu64 where KVM cannot.
        String name = take(argv, "-name");
        take(argv, "-accel");

        Path nr = Path.of("/sys/devices/system/node/node" + vm.get("node").asInt() + "/hugepages/hugepages-2048kB/nr_hugepages");
        long before = Long.parseLong(Files.readString(nr).strip());
        Files.writeString(nr, String.valueOf(before + pages));
        try (Qemu q = Qemu.start(out, name, "rtlive", argv)) {
            // the QMP socket exists before the machine (and its vCPU threads) is set up
            String vcpu = "CPU 0/" + (q.accel().equals("kvm") ? "KVM" : "TCG");
            for (int i = 0; i < 300 && q.threadsNamed(vcpu).isEmpty(); i++) Thread.sleep(100);
            assertThat(q.threadsNamed(vcpu)).as("vCPU thread; qemu log: %s", q.log()).hasSize(1);
            // recent kernels start KVM's NX hugepage recovery thread at the first KVM_RUN, inside the QEMU process
            if (q.accel().equals("kvm")) for (int i = 0; i < 50 && q.threadsNamed("kvm-nx-lpage-re").isEmpty(); i++) Thread.sleep(100);
            Process p = new ProcessBuilder("sh", out.resolve("qemu/rtlive-pin.sh").toString(), String.valueOf(q.pid())).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(said).isZero();
            assertThat(said).contains("rtlive: threads of " + q.pid() + " pinned");

            Map<String, String> allowed = new HashMap<>();
            Map<String, int[]> sched = new HashMap<>();
            try (var tasks = Files.list(Path.of("/proc/" + q.pid() + "/task"))) {
                for (Path t : tasks.toList()) {
                    String comm = Files.readString(t.resolve("comm")).strip();
                    String status = Files.readString(t.resolve("status"));
                    allowed.put(comm, status.lines().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow().split(":")[1].strip());
                    String stat = Files.readString(t.resolve("stat"));
                    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
                    sched.put(comm, new int[] {Integer.parseInt(rest[38]), Integer.parseInt(rest[37])});
                }
            }
            assertThat(allowed).containsEntry(vcpu, String.valueOf(pin));
            assertThat(sched.get(vcpu)).as("policy, priority of %s", vcpu).containsExactly(1, Planner.VCPU_FIFO_PRIORITY);
            allowed.forEach((comm, cpus) -> {
                if (!comm.equals(vcpu)) assertThat(cpus).as("%s on housekeeping", comm).isEqualTo(emulator);
            });
            // hugepages came from the pool the plan sized
            long free = Long.parseLong(Files.readString(nr.resolveSibling("free_hugepages")).strip());
            assertThat(free).isLessThanOrEqualTo(before);

            Cli.Result audit = Cli.run("audit", "--profile", "realtime-virtual-host", "--isolated", isolated, "--vm", "rtlive", "--format", "json");
            JsonNode findings = JSON.readTree(audit.out()).get("findings");
            Map<String, String> severity = new HashMap<>();
            for (JsonNode f : findings) severity.merge(f.get("id").asText(), f.get("severity").asText(), (a, b) -> a.equals("pass") ? b : a);
            List<String> passing = new ArrayList<>(List.of("vm.vcpu.pinned_isolated", "vm.emulator.off_vcpu_cpus", "vm.memory.hugepages",
                    "vm.memory.locked", "vm.balloon.off"));
            // the PMU rule is about KVM's virtual PMU; under TCG the audit says instead that the VM does not run on KVM
            if (q.accel().equals("kvm")) passing.addAll(List.of("vm.cpu.pmu_off", "vm.accel.kvm"));
            else assertThat(severity.get("vm.accel.kvm")).as(audit.out()).isEqualTo("fail");
            for (String id : passing) {
                assertThat(severity.get(id)).as("%s in %s", id, audit.out()).isEqualTo("pass");
            }
        } finally {
            Files.writeString(nr, String.valueOf(before));
        }
    }

    private static String take(List<String> argv, String option) {
        int i = argv.indexOf(option);
        String v = argv.get(i + 1);
        argv.remove(i + 1);
        argv.remove(i);
        return v;
    }
}
