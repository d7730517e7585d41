package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Libvirt;
import dev.kvmtune.testing.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A realtime plan for a domain libvirt knows, defined and started by a real libvirtd (TCG: type
 * 'qemu'), its pins read back through libvirt and /proc. On the way, the traps libvirt sets that
 * the schema does not show: host-passthrough under TCG, hugetlbfs, and RT group scheduling. Each
 * test has a libvirtd of its own ({@link Libvirt}), its state under the test's directory, and runs
 * kvmtune beside it as a user of that host would.
 */
class LibvirtPlanTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NAME = "kvmtune-lt1";

    @TempDir
    Path tmp;

    @Test
    void aRealtimePlanIsDefinedStartedAndPinnedByLibvirt() throws Exception {
        Requires.root("defines and starts a libvirt domain, sets hugepages and a sysctl");
        Requires.command("qemu-system-x86_64", "qemu-system-x86");
        Requires.machine(Runtime.getRuntime().availableProcessors() >= 2, "one CPU: a realtime vCPU needs a CPU of its own");
        Libvirt lv = Libvirt.start(tmp.resolve("libvirt"));
        Path base = minimalDomain(lv, NAME);
        Path hp = Path.of("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages");
        String hugepages = proc(hp);
        Path rt = Path.of("/proc/sys/kernel/sched_rt_runtime_us");
        String rtRuntime = proc(rt);
        try {
            assertThat(lv.virsh("define", base.toString()).exit()).isZero();
            Path dumped = tmp.resolve("dumped.xml");
            Libvirt.Result dump = lv.virsh("dumpxml", NAME);
            Files.writeString(dumped, dump.out());
            Path out = tmp.resolve("plan");
            Cli.Result plan = lv.kvmtune("plan", "--vm", "name=" + NAME + ",vcpus=1,memory=128M,rt", "--xml", NAME + "=" + dumped, "--out", out.toString());
            assertThat(plan.exit()).as(plan.err()).isZero();
            Path xml = out.resolve("libvirt/" + NAME + ".xml");
            String patched = Files.readString(xml);
            // TCG cannot pass the host's CPU through: the domain's own model stays
            assertThat(patched).contains("type='qemu' (TCG) domain cannot use host-passthrough").doesNotContain("host-passthrough\"");
            JsonNode p = JSON.readTree(out.resolve("plan.json").toFile());
            JsonNode pins = p.path("partition").path("vms").get(0).path("vcpuPins");
            assertThat(pins).as("the plan's vCPU pin").hasSize(1);
            String vcpuCpu = pins.get(0).asText();
            if (!Libvirt.canLockMemory()) {
                // this machine's root lacks CAP_SYS_RESOURCE: libvirt cannot lift QEMU's memlock limit, so <locked/> is the one check skipped here
                System.err.println("LibvirtPlanTest: no CAP_SYS_RESOURCE here: <locked/> removed from the plan's domain before it is defined");
                patched = patched.replace("<locked/>", "");
                Files.writeString(xml, patched);
            }
            long pages = p.path("partition").path("vms").get(0).path("hugepageCount").asLong(0);
            if (pages > 0) Files.writeString(hp, Long.toString(Long.parseLong(hugepages) + pages));
            Libvirt.Result def = lv.virsh("define", xml.toString());
            assertThat(def.exit()).as(def.out()).isZero();
            // hugepage memory needs a hugetlbfs mount that libvirtd saw when it started
            boolean mounted = lv.hugetlbfsMounted();
            JsonNode hugetlbfs = finding(lv.kvmtune("audit", "--vm", NAME, "--format", "json").out(), "vm.memory.hugetlbfs_mounted");
            assertThat(hugetlbfs.path("severity").asText()).isEqualTo(mounted ? "pass" : "fail");
            if (!mounted) {
                Libvirt.Result noMount = lv.virsh("start", NAME);
                assertThat(noMount.exit()).isNotZero();
                // libvirtd started without the mount says so; one that saw an earlier mount fails in QEMU, on the missing backing file
                assertThat(noMount.out()).containsAnyOf("hugetlbfs", "/dev/hugepages");
            }
            if (!mounted) lv.mountHugetlbfs();
            assertThat(finding(lv.kvmtune("audit", "--vm", NAME, "--format", "json").out(), "vm.memory.hugetlbfs_mounted").path("severity").asText())
                    .isEqualTo("pass");

            boolean rtGroups = rtGroupScheduling();
            assertThat(patched).as("a realtime plan asks for fifo vCPUs").contains("<vcpusched");
            if (rtGroups && !rtRuntime.equals("-1")) {
                // the trap: libvirt's cgroups have no RT budget, so the fifo vcpusched is refused and the domain does not start;
                // the audit says so, with the fix
                Libvirt.Result refused = lv.virsh("start", NAME);
                assertThat(refused.exit()).isNotZero();
                assertThat(refused.out()).contains("Operation not permitted");
                JsonNode finding = finding(lv.kvmtune("audit", "--profile", "realtime-virtual-host", "--vm", NAME, "--format", "json").out());
                assertThat(finding.path("severity").asText()).isEqualTo("fail");
                assertThat(finding.path("actual").asText()).contains("no RT budget in");
                assertThat(finding.path("fix").path("runtime").asText()).isEqualTo("sysctl -w kernel.sched_rt_runtime_us=-1");
                // the finding's own fix, as printed; put back afterwards
                Libvirt.Result fixed = lv.inside(List.of("sh", "-c", finding.path("fix").path("runtime").asText()));
                assertThat(fixed.exit()).as(fixed.out()).isZero();
            }
            Libvirt.Result start = lv.virsh("start", NAME);
            assertThat(start.exit()).as(start.out()).isZero();

            // read back through libvirt, through kvmtune's model of the running domain, and through /proc
            assertThat(lv.virsh("vcpupin", NAME, "0").out()).containsPattern("0\\s+" + vcpuCpu);
            String emulator = p.path("partition").path("vms").get(0).path("emulatorCpus").asText();
            assertThat(lv.virsh("emulatorpin", NAME).out()).containsPattern("\\*:\\s+" + emulator);
            JsonNode threads = JSON.readTree(lv.kvmtune("threads", "--vm", NAME, "--format", "json").out());
            JsonNode vcpu = null;
            JsonNode main = null;
            for (JsonNode t : threads.get(0).path("threads")) {
                if (t.path("role").asText().equals("vcpu")) vcpu = t;
                if (t.path("role").asText().equals("main")) main = t;
            }
            assertThat(vcpu).as(threads.toString()).isNotNull();
            assertThat(vcpu.path("allowed").asText()).isEqualTo(vcpuCpu);
            assertThat(main.path("allowed").asText()).isEqualTo(emulator);
            assertThat(vcpu.path("policy").asText()).isEqualTo("FIFO");
            assertThat(vcpu.path("priority").asInt()).isEqualTo(1);
            if (rtGroups) {
                JsonNode now = finding(lv.kvmtune("audit", "--profile", "realtime-virtual-host", "--vm", NAME, "--format", "json").out());
                assertThat(now.path("severity").asText()).isEqualTo("pass");
            }
            assertThat(proc(Path.of("/proc/" + threads.get(0).path("pid").asInt() + "/task/" + vcpu.path("tid").asInt() + "/status")))
                    .contains("Cpus_allowed_list:\t" + vcpuCpu + "\n");
            JsonNode vms = JSON.readTree(lv.kvmtune("vms", "--vm", NAME, "--format", "json").out());
            assertThat(vms.get(0).path("state").asText()).isEqualTo("running");
            assertThat(vms.get(0).path("vm").path("pinning").path("vcpupin").path("0").asText()).isEqualTo(vcpuCpu);
        } finally {
            lv.close();
            if (!proc(hp).equals(hugepages)) Files.writeString(hp, hugepages);
            putBack(rt, rtRuntime);
        }
    }

    /**
     * apply on a running libvirt domain goes through libvirt: the plan's vCPU and emulator pins by
     * virsh --live --config, so they are there at once and after a restart; a refused step undoes the
     * others; rollback puts back the live and the defined pins.
     */
    @Test
    void applyPinsARunningDomainThroughLibvirtAndRollbackPutsItBack() throws Exception {
        Requires.root("defines, starts and pins a libvirt domain");
        Requires.command("qemu-system-x86_64", "qemu-system-x86");
        Requires.machine(Runtime.getRuntime().availableProcessors() >= 2, "one CPU: nothing to pin apart");
        Libvirt lv = Libvirt.start(tmp.resolve("libvirt"));
        String name = NAME + "-apply";
        Path base = minimalDomain(lv, name);
        Path rt = Path.of("/proc/sys/kernel/sched_rt_runtime_us");
        String rtRuntime = proc(rt);
        String online = proc(Path.of("/sys/devices/system/cpu/online"));
        Path journals = tmp.resolve("journals");
        try {
            assertThat(lv.virsh("define", base.toString()).exit()).isZero();
            assertThat(lv.virsh("start", name).exit()).isZero();
            Path out = tmp.resolve("apply-plan");
            // no --xml: the plan finds libvirt's definition of the domain by its name
            Cli.Result planned = lv.kvmtune("plan", "--vm", "name=" + name + ",vcpus=1,memory=128M,rt", "--out", out.toString());
            assertThat(planned.exit()).as(planned.err()).isZero();
            assertThat(planned.err()).contains("patching libvirt's definition /etc/libvirt/qemu/" + name + ".xml");
            assertThat(Files.readString(out.resolve("libvirt/" + name + ".xml"))).contains("Patched from /etc/libvirt/qemu/" + name + ".xml");
            // the plan's VM settings only: the host-wide ones (sysctls, hugepages, kernel files) are other tests' business
            com.fasterxml.jackson.databind.node.ObjectNode plan = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(out.resolve("plan.json").toFile());
            com.fasterxml.jackson.databind.node.ArrayNode vmOnly = JSON.createArrayNode();
            for (JsonNode st : plan.path("settings")) if (st.path("kind").asText().equals("vm-thread")) vmOnly.add(st);
            assertThat(vmOnly).hasSize(2);
            plan.set("settings", vmOnly);
            plan.set("files", JSON.createArrayNode());
            Path vmPlan = tmp.resolve("vm-plan.json");
            Files.writeString(vmPlan, JSON.writeValueAsString(plan));
            // a domain libvirt does not know: one line naming the ones there are
            for (String cmd : List.of("audit", "threads")) {
                Cli.Result unknown = lv.kvmtune(cmd, "--vm", "kvmtune-no-such-domain");
                assertThat(unknown.exit()).as(unknown.err()).isEqualTo(2);
                assertThat(unknown.err()).contains("no VM named kvmtune-no-such-domain on /: there are " + name + " (pid ");
            }
            // a pin made with --live only, or behind libvirt with taskset, is lost at the next start: the audit says which layer differs
            assertThat(lv.virsh("vcpupin", name, "0", "1", "--live").exit()).isZero();
            JsonNode layers = finding(lv.kvmtune("audit", "--vm", name, "--format", "json").out(), "vm.vcpu.pin_layers_agree");
            assertThat(layers.path("severity").asText()).isEqualTo("warn");
            assertThat(layers.path("actual").asText()).contains("vCPU0 live 1 but defined " + online + " (lost at the next start)");
            assertThat(lv.virsh("vcpupin", name, "0", online, "--live").exit()).isZero();
            Libvirt.Result behind = Libvirt.run(List.of("taskset", "-pc", "1", vcpuThread(lv, name).path("tid").asText()));
            assertThat(behind.exit()).as(behind.out()).isZero();
            layers = finding(lv.kvmtune("audit", "--vm", name, "--format", "json").out(), "vm.vcpu.pin_layers_agree");
            assertThat(layers.path("actual").asText()).contains("thread allowed 1 but libvirt pins " + online + " (set behind libvirt)");
            assertThat(Libvirt.run(List.of("taskset", "-pc", online, vcpuThread(lv, name).path("tid").asText())).exit()).isZero();
            JsonNode vm = plan.path("partition").path("vms").get(0);
            String vcpuCpu = vm.path("vcpuPins").get(0).asText();
            String emulator = vm.path("emulatorCpus").asText();

            // libvirt refuses a step (a pin outside the host's CPUs): the steps before it are undone, live and defined
            com.fasterxml.jackson.databind.node.ObjectNode bad = vmPlan(plan, vmOnly, tmp.resolve("bad-plan.json"), "cpus=0-63");
            Cli.Result refusedPin = lv.kvmtune("apply", bad.path("path").asText(), "--yes", "--journal-dir", tmp.resolve("bad-journals").toString());
            assertThat(refusedPin.exit()).as(refusedPin.out() + refusedPin.err()).isEqualTo(4);
            assertPins(lv, name, online, online, online);

            boolean rtGroups = rtGroupScheduling();
            if (rtGroups && !rtRuntime.equals("-1")) {
                // RT group scheduling with RT bandwidth on: a fifo vCPU needs a budget in each cgroup above it. With every
                // microsecond of the top group held by another group, apply says which and stops before any change
                Path hog = Path.of(cpuMount(), "kvmtune-test-hog");
                Files.createDirectories(hog);
                try {
                    Files.writeString(hog.resolve("cpu.rt_runtime_us"), proc(Path.of(cpuMount(), "cpu.rt_runtime_us")));
                    Cli.Result noBudget = lv.kvmtune("apply", vmPlan.toString(), "--yes", "--journal-dir", journals.toString());
                    assertThat(noBudget.exit()).as(noBudget.out() + noBudget.err()).isEqualTo(2);
                    assertThat(noBudget.err()).contains("has none left").contains("/kvmtune-test-hog").contains("nothing was changed");
                    assertPins(lv, name, online, online, online);
                } finally {
                    Files.writeString(hog.resolve("cpu.rt_runtime_us"), "0");
                    Files.delete(hog);
                }
                // with the budget free, apply gives the machine, domain and vCPU groups a budget; the definition keeps no
                // fifo, since the next start would make new groups without one
                Cli.Result budgeted = lv.kvmtune("apply", vmPlan.toString(), "--yes", "--journal-dir", journals.toString());
                assertThat(budgeted.exit()).as(budgeted.out() + budgeted.err()).isZero();
                assertThat(budgeted.out()).contains("cpu.rt_runtime_us").contains("the definition keeps no vcpusched");
                JsonNode t = vcpuThread(lv, name);
                assertThat(t.path("policy").asText()).isEqualTo("FIFO");
                assertThat(t.path("allowed").asText()).isEqualTo(vcpuCpu);
                String group = vcpuCgroup(lv, name);
                assertThat(group).endsWith("/vcpu0");
                for (String g = group; g.lastIndexOf('/') > 0; g = g.substring(0, g.lastIndexOf('/'))) {
                    assertThat(Long.parseLong(proc(Path.of(cpuMount() + g, "cpu.rt_runtime_us")))).as(g).isPositive();
                }
                assertThat(lv.virsh("dumpxml", "--inactive", name).out()).doesNotContain("vcpusched");
                assertPins(lv, name, vcpuCpu, vcpuCpu, emulator);
                // the pins last past a restart; fifo does not (it was never defined)
                assertThat(lv.virsh("destroy", name).exit()).isZero();
                assertThat(lv.virsh("start", name).exit()).isZero();
                assertThat(vcpuThread(lv, name).path("allowed").asText()).isEqualTo(vcpuCpu);
                assertThat(vcpuThread(lv, name).path("policy").asText()).isEqualTo("OTHER");
                Cli.Result undone = lv.kvmtune("rollback", "--journal-dir", journals.toString());
                assertThat(undone.exit()).as(undone.out() + undone.err()).isZero();
                assertPins(lv, name, online, online, online);
                String top = group.substring(0, group.indexOf('/', 1));
                assertThat(proc(Path.of(cpuMount() + top, "cpu.rt_runtime_us"))).as(top + " budget taken back").isEqualTo("0");
                Files.writeString(rt, "-1");
            }
            // RT bandwidth off: fifo now and, through virsh define, at the next start
            Cli.Result apply = lv.kvmtune("apply", vmPlan.toString(), "--yes", "--journal-dir", journals.toString());
            assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
            assertThat(apply.out()).contains("virsh -q -c qemu:///system vcpupin " + name + " 0 " + vcpuCpu + " --live --config")
                    .contains("virsh define " + name);
            // through libvirt, now and in the definition, and in /proc
            assertPins(lv, name, vcpuCpu, vcpuCpu, emulator);
            assertThat(lv.virsh("dumpxml", "--inactive", name).out()).contains("<vcpusched vcpus='0' scheduler='fifo' priority='1'/>");
            assertThat(vcpuThread(lv, name).path("allowed").asText()).isEqualTo(vcpuCpu);
            assertThat(vcpuThread(lv, name).path("policy").asText()).isEqualTo("FIFO");
            assertThat(finding(lv.kvmtune("audit", "--vm", name, "--format", "json").out(), "vm.vcpu.pin_layers_agree").path("severity").asText()).isEqualTo("pass");
            // a restart keeps the pins and the fifo vCPU: they are in the definition, not only on the threads
            assertThat(lv.virsh("destroy", name).exit()).isZero();
            assertThat(lv.virsh("start", name).exit()).isZero();
            assertThat(vcpuThread(lv, name).path("allowed").asText()).isEqualTo(vcpuCpu);
            assertThat(vcpuThread(lv, name).path("policy").asText()).isEqualTo("FIFO");
            Cli.Result back = lv.kvmtune("rollback", "--journal-dir", journals.toString());
            assertThat(back.exit()).as(back.out() + back.err()).isZero();
            assertPins(lv, name, online, online, online);
            assertThat(lv.virsh("dumpxml", "--inactive", name).out()).doesNotContain("vcpusched");
            assertThat(vcpuThread(lv, name).path("allowed").asText()).isEqualTo(online);

            // libvirtd down, the domain's QEMU still running: apply stops before it changes anything, and says why
            lv.stopDaemon();
            Cli.Result down = lv.kvmtune("apply", vmPlan.toString(), "--yes", "--journal-dir", journals.toString());
            assertThat(down.exit()).as(down.out() + down.err()).isEqualTo(2);
            assertThat(down.err()).contains("VM " + name + " is a libvirt domain, but libvirtd does not answer on qemu:///system")
                    .contains("nothing was changed");
            assertThat(vcpuThread(lv, name).path("allowed").asText()).isEqualTo(online);
            lv.startDaemon();
        } finally {
            lv.close();
            putBack(rt, rtRuntime);
        }
    }

    /** vCPU 0's live and defined pins and the defined emulator pin, as virsh reads them. */
    private static void assertPins(Libvirt lv, String name, String live, String defined, String emulator) throws Exception {
        assertThat(lv.virsh("vcpupin", name, "0", "--live").out()).as("live pin").containsPattern("0\\s+" + live);
        assertThat(lv.virsh("vcpupin", name, "0", "--config").out()).as("defined pin").containsPattern("0\\s+" + defined);
        assertThat(lv.virsh("emulatorpin", name, "--config").out()).as("defined emulator pin").containsPattern("\\*:\\s+" + emulator);
        if (name.endsWith("-apply")) {
            // its iothread goes with the emulator, through virsh iothreadpin
            assertThat(lv.virsh("iothreadinfo", name, "--config").out()).as("defined iothread pin").containsPattern("\\n\\s*1\\s+" + emulator + "\\s");
            assertThat(lv.virsh("iothreadinfo", name, "--live").out()).as("live iothread pin").containsPattern("\\n\\s*1\\s+" + emulator + "\\s");
        }
    }

    /** The plan with only its VM settings, the last one's value replaced; its path in "path". */
    private static com.fasterxml.jackson.databind.node.ObjectNode vmPlan(com.fasterxml.jackson.databind.node.ObjectNode plan,
            com.fasterxml.jackson.databind.node.ArrayNode settings, Path to, String lastValue) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode copy = plan.deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode st = settings.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) st.get(st.size() - 1)).put("value", lastValue);
        copy.set("settings", st);
        Files.writeString(to, JSON.writeValueAsString(copy));
        return JSON.createObjectNode().put("path", to.toString());
    }

    /** The cpu cgroup of the domain's vCPU 0 thread, e.g. /machine/qemu-1-NAME.libvirt-qemu/vcpu0. */
    private static String vcpuCgroup(Libvirt lv, String name) throws Exception {
        JsonNode threads = JSON.readTree(lv.kvmtune("threads", "--vm", name, "--format", "json").out());
        int pid = threads.get(0).path("pid").asInt();
        for (String l : proc(Path.of("/proc/" + pid + "/task/" + vcpuThread(lv, name).path("tid").asText() + "/cgroup")).split("\n")) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("cpu")) return f[2];
        }
        throw new AssertionError("no cpu cgroup for the vCPU thread of " + name);
    }

    private static String cpuMount() {
        return Files.exists(Path.of("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")) ? "/sys/fs/cgroup/cpu" : "/sys/fs/cgroup/cpu,cpuacct";
    }

    private static JsonNode vcpuThread(Libvirt lv, String name) throws Exception {
        JsonNode threads = JSON.readTree(lv.kvmtune("threads", "--vm", name, "--format", "json").out());
        for (JsonNode t : threads.get(0).path("threads")) if (t.path("role").asText().equals("vcpu")) return t;
        throw new AssertionError("no vCPU thread of " + name + ": " + threads);
    }

    /** A one-vCPU TCG domain with nothing tuned, as a user would define it. */
    private Path minimalDomain(Libvirt lv, String name) throws Exception {
        Path base = tmp.resolve(name + "-base.xml");
        Files.writeString(base, "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                + (name.endsWith("-apply") ? "<iothreads>1</iothreads>" : "")
                + "<os><type arch='x86_64' machine='pc'>hvm</type></os><cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>"
                + "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>");
        return base;
    }

    /** RT group scheduling: cgroup v1's cpu controller has an RT budget. */
    private static boolean rtGroupScheduling() {
        return Files.exists(Path.of("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")) || Files.exists(Path.of("/sys/fs/cgroup/cpu,cpuacct/cpu.rt_runtime_us"));
    }

    /** The sysctl as it was: the kernel refuses a budget (EBUSY) until the destroyed QEMU's FIFO vCPU has left its group. */
    private static void putBack(Path rt, String value) throws Exception {
        for (int i = 0; i < 100 && !proc(rt).equals(value); i++) {
            try {
                Files.writeString(rt, value);
            } catch (java.io.IOException busy) {
                Thread.sleep(100);
            }
        }
        assertThat(proc(rt)).as("kernel.sched_rt_runtime_us put back").isEqualTo(value);
    }

    /** A proc or sysfs file whole: a sysctl file answers only a read from offset 0, which Files.readString does not make. */
    static String proc(Path p) throws java.io.IOException {
        try (var in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
    }

    private static JsonNode finding(String auditJson) throws Exception {
        return finding(auditJson, "vm.vcpusched.rt_group_budget");
    }

    private static JsonNode finding(String auditJson, String id) throws Exception {
        for (JsonNode f : JSON.readTree(auditJson).path("findings")) {
            if (f.path("id").asText().equals(id)) return f;
        }
        throw new AssertionError("no " + id + " finding in " + auditJson);
    }
}
