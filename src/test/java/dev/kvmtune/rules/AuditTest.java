package dev.kvmtune.rules;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rules and setting kinds on small trees: a 4-CPU host (two cores with two SMT threads each) with
 * a given command line and sysctls. Each rule is shown passing and failing.
 */
class AuditTest {
    @TempDir
    Path tmp;

    void put(String path, String text) throws IOException {
        dev.kvmtune.testing.Trees.put(tmp, path, text);
    }

    /** cpu0/cpu2 share core 0, cpu1/cpu3 share core 1 (the usual Intel numbering). */
    DirectoryRoot host(String cmdline) throws IOException {
        put("proc/cmdline", cmdline + "\n");
        put("sys/devices/system/cpu/online", "0-3\n");
        put("sys/devices/system/cpu/possible", "0-3\n");
        for (int c = 0; c < 4; c++) {
            String d = "sys/devices/system/cpu/cpu" + c + "/topology/";
            put(d + "physical_package_id", "0\n");
            put(d + "core_id", (c % 2) + "\n");
            put(d + "thread_siblings_list", (c % 2 == 0 ? "0,2" : "1,3") + "\n");
        }
        put("sys/devices/system/node/node0/cpulist", "0-3\n");
        put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx pse constant_tsc\n\n");
        put("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
        return DirectoryRoot.of(tmp);
    }

    Audit.Report audit(DirectoryRoot root, String profile, CpuSet isolated) {
        return Audit.run(HostFactsCollector.collect(root), root, ProfileLoader.load(profile), "test", isolated);
    }

    static Finding find(Audit.Report r, String id) {
        return r.findings().stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no finding " + id));
    }

    List<Finding> run(String id, DirectoryRoot root, CpuSet isolated) {
        var facts = HostFactsCollector.collect(root);
        CpuSet iso = isolated == null ? CpuSet.EMPTY : isolated;
        return dev.kvmtune.rules.checks.Rules.ALL.get(id).check(new AuditContext(facts, root, iso, "test", facts.cpu().online().minus(iso)));
    }

    @Test
    void nohzFullWithinRcuNocbs() throws IOException {
        assertThat(run("cpu.nohz_full.within_rcu_nocbs", host("nohz_full=1,3 rcu_nocbs=1,3"), null).get(0).severity()).isEqualTo(Severity.PASS);
        Finding bad = run("cpu.nohz_full.within_rcu_nocbs", host("nohz_full=1,3 rcu_nocbs=1"), null).get(0);
        assertThat(bad.severity()).isEqualTo(Severity.FAIL);
        assertThat(bad.actual()).contains("missing 3");
        assertThat(bad.evidence()).anyMatch(e -> e.startsWith("proc/cmdline"));
    }

    @Test
    void bootCpuNotInNohzFull() throws IOException {
        assertThat(run("cpu.nohz_full.excludes_boot_cpu", host("nohz_full=1-3"), null).get(0).severity()).isEqualTo(Severity.PASS);
        assertThat(run("cpu.nohz_full.excludes_boot_cpu", host("nohz_full=0-3"), null).get(0).severity()).isEqualTo(Severity.WARN);
    }

    @Test
    void isolcpusEqualsNohzFull() throws IOException {
        assertThat(run("cpu.isolcpus.equals_nohz_full", host("isolcpus=domain,managed_irq,1,3 nohz_full=1,3"), null).get(0).severity())
                .isEqualTo(Severity.PASS);
        assertThat(run("cpu.isolcpus.equals_nohz_full", host("isolcpus=1 nohz_full=1,3"), null).get(0).severity()).isEqualTo(Severity.WARN);
    }

    @Test
    void wholeCores() throws IOException {
        assertThat(run("cpu.isolated.whole_cores", host(""), CpuSet.parseList("1,3")).get(0).severity()).isEqualTo(Severity.PASS);
        Finding split = run("cpu.isolated.whole_cores", host(""), CpuSet.parseList("1")).get(0);
        assertThat(split.severity()).isEqualTo(Severity.WARN);
        assertThat(split.actual()).contains("cpu1 siblings 1,3");
    }

    @Test
    void swapOff() throws IOException {
        assertThat(run("memory.swap.off", host(""), null).get(0).severity()).isEqualTo(Severity.PASS);
        put("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1048572 0 -2\n");
        assertThat(run("memory.swap.off", DirectoryRoot.of(tmp), null).get(0).severity()).isEqualTo(Severity.WARN);
    }

    @Test
    void gigantic1gNeedsPdpe1gb() throws IOException {
        assertThat(run("memory.hugepages_1g.needs_pdpe1gb", host("default_hugepagesz=1G hugepagesz=1G"), null).get(0).severity())
                .isEqualTo(Severity.FAIL);
        put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx pse pdpe1gb\n\n");
        assertThat(run("memory.hugepages_1g.needs_pdpe1gb", DirectoryRoot.of(tmp), null).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void nohzFullNeedsKernelSupport() throws IOException {
        DirectoryRoot r = host("nohz_full=1,3");
        put("proc/sys/kernel/osrelease", "6.1.0-test\n");
        put("boot/config-6.1.0-test", "# CONFIG_NO_HZ_FULL is not set\n");
        assertThat(run("kernel.nohz_full.needs_config", r, null).get(0).severity()).isEqualTo(Severity.FAIL);
        put("boot/config-6.1.0-test", "CONFIG_NO_HZ_FULL=y\n");
        assertThat(run("kernel.nohz_full.needs_config", r, null).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void cStatesDeeperThanC1OnIsolatedCpus() throws IOException {
        DirectoryRoot r = host("");
        for (int c = 0; c < 4; c++) {
            String d = "sys/devices/system/cpu/cpu" + c + "/cpuidle/";
            put(d + "state0/name", "POLL\n");
            put(d + "state0/latency", "0\n");
            put(d + "state0/disable", "0\n");
            put(d + "state1/name", "C6\n");
            put(d + "state1/latency", "133\n");
            put(d + "state1/disable", c == 1 || c == 3 ? "1\n" : "0\n");
        }
        assertThat(run("bios.cstates", r, CpuSet.parseList("1,3")).get(0).severity()).isEqualTo(Severity.PASS);
        Finding bad = run("bios.cstates", r, CpuSet.parseList("0-3")).get(0);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("C6 (133 µs)");
        assertThat(run("bios.cstates", host("idle=poll"), CpuSet.parseList("0-3")).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void smtActive() throws IOException {
        DirectoryRoot r = host("");
        put("sys/devices/system/cpu/smt/active", "1\n");
        assertThat(run("bios.smt", r, null).get(0).severity()).isEqualTo(Severity.WARN);
        put("sys/devices/system/cpu/smt/active", "0\n");
        assertThat(run("bios.smt", r, null).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void virtualizationFlagOrDevKvm() throws IOException {
        DirectoryRoot r = host("");
        assertThat(run("bios.virtualization", r, null).get(0).severity()).isEqualTo(Severity.PASS);
        put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: pse hypervisor\n\n");
        assertThat(run("bios.virtualization", r, null).get(0).severity()).isEqualTo(Severity.FAIL);
        put("dev/kvm", "");
        Finding nested = run("bios.virtualization", r, null).get(0);
        assertThat(nested.severity()).isEqualTo(Severity.INFO);
        assertThat(nested.actual()).contains("/dev/kvm exists");
    }

    @Test
    void iommuFromDmarAndGroups() throws IOException {
        DirectoryRoot r = host("");
        Finding off = run("bios.iommu", r, null).get(0);
        assertThat(off.severity()).isEqualTo(Severity.INFO);
        assertThat(off.actual()).startsWith("no DMAR table");
        put("sys/firmware/acpi/tables/DMAR", "DMAR");
        assertThat(run("bios.iommu", r, null).get(0).fix().persistent()).startsWith("intel_iommu=on");
        Files.createDirectories(tmp.resolve("sys/class/iommu/dmar0"));
        Files.createDirectories(tmp.resolve("sys/kernel/iommu_groups/0"));
        assertThat(run("bios.iommu", r, null).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void numaNodesPerPackage() throws IOException {
        DirectoryRoot r = host("");
        assertThat(run("bios.numa", r, null).get(0).severity()).isEqualTo(Severity.PASS);
        put("sys/devices/system/cpu/cpu3/topology/physical_package_id", "1\n");
        Finding bad = run("bios.numa", r, null).get(0);
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("1 nodes for 2 packages");
    }

    @Test
    void manualChecklistIsNeverAPass() throws IOException {
        Finding f = run("bios.manual_checklist", host(""), null).get(0);
        assertThat(f.severity()).isEqualTo(Severity.INFO);
        assertThat(f.evidence()).contains("Patrol Scrub and Demand Scrub: Disabled");
    }

    @Test
    void hugepagesOnEveryNodeThatRunsVcpus() throws IOException {
        DirectoryRoot r = host("");
        put("sys/devices/system/node/node0/cpulist", "0-1\n");
        put("sys/devices/system/node/node1/cpulist", "2-3\n");
        put("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
        put("sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
        put("sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
        assertThat(run("memory.hugepages.per_node", r, CpuSet.parseList("1")).get(0).severity()).isEqualTo(Severity.PASS);
        Finding bad = run("memory.hugepages.per_node", r, CpuSet.parseList("1,3")).get(0);
        assertThat(bad.id()).isEqualTo("memory.hugepages.per_node.1G");
        assertThat(bad.severity()).isEqualTo(Severity.WARN);
        assertThat(bad.actual()).isEqualTo("none on node1");
    }

    @Test
    void qemuRealtimeMlockIsFlagged() throws IOException {
        DirectoryRoot r = host("");
        dev.kvmtune.testing.Trees.thread(tmp, 900, 900, "qemu-system-x86", false, 0, 0, 0, "0-3");
        put("proc/900/cmdline", "qemu-system-x86_64\0-overcommit\0mem-lock=on\0");
        assertThat(run("advice.qemu_realtime_mlock", r, null)).isEmpty();
        put("proc/900/cmdline", "qemu-system-x86_64\0-realtime\0mlock=on\0");
        Finding f = run("advice.qemu_realtime_mlock", r, null).get(0);
        assertThat(f.severity()).isEqualTo(Severity.WARN);
        assertThat(f.evidence()).containsExactly("proc/900/cmdline: -realtime mlock=on");
    }

    /** big.LITTLE: cores {1,3} have capacity 1024, {0,2} 512; a VM whose vCPUs may run on both kinds is warned about. */
    @Test
    void vcpusOnTheFastestCores() throws IOException {
        DirectoryRoot r = host("");
        for (int c = 0; c < 4; c++) put("sys/devices/system/cpu/cpu" + c + "/cpu_capacity", (c % 2 == 1 ? "1024" : "512") + "\n");
        dev.kvmtune.testing.Trees.thread(tmp, 900, 900, "qemu-system-x86", false, 0, 0, 0, "0-3");
        put("proc/900/cmdline", "qemu-system-x86_64\0-name\0guest=v1\0-smp\0" + "2\0-accel\0kvm\0");
        dev.kvmtune.testing.Trees.thread(tmp, 900, 901, "CPU 0/KVM", false, 1, 1, 1, "1");
        dev.kvmtune.testing.Trees.thread(tmp, 900, 902, "CPU 1/KVM", false, 1, 1, 3, "3");
        Finding pass = run("vm.vcpu.core_types", r, CpuSet.of(1, 3)).get(0);
        assertThat(pass.severity()).isEqualTo(Severity.PASS);
        assertThat(pass.actual()).isEqualTo("fastest cores only: 1,3");
        dev.kvmtune.testing.Trees.thread(tmp, 900, 902, "CPU 1/KVM", false, 1, 1, 2, "2");
        Finding mixed = run("vm.vcpu.core_types", r, CpuSet.of(1, 3)).get(0);
        assertThat(mixed.severity()).isEqualTo(Severity.WARN);
        assertThat(mixed.actual()).isEqualTo("a mix: capacity 1024 1, capacity 512 2");
        assertThat(mixed.fix().persistent()).contains("1,3");
        // a host whose cores are alike has nothing to say
        for (int c = 0; c < 4; c++) put("sys/devices/system/cpu/cpu" + c + "/cpu_capacity", "1024\n");
        assertThat(run("vm.vcpu.core_types", r, CpuSet.of(1, 3))).isEmpty();
    }

    @Test
    void knownWrongAdvice() throws IOException {
        assertThat(run("advice.pcie_asmp_typo", host("quiet"), null)).isEmpty();
        assertThat(run("advice.pcie_asmp_typo", host("pcie_asmp=off"), null).get(0).severity()).isEqualTo(Severity.WARN);
        assertThat(run("advice.elevator_ignored", host("elevator=deadline"), null).get(0).title()).contains("blk-mq");
        DirectoryRoot r = host("");
        assertThat(run("advice.sched_rt_period_minus_one", r, null)).isEmpty();
        put("etc/sysctl.d/99-rt.conf", "kernel.sched_rt_runtime_us = -1\nkernel.sched_rt_period_us = -1\n");
        Finding f = run("advice.sched_rt_period_minus_one", r, null).get(0);
        assertThat(f.evidence()).containsExactly("etc/sysctl.d/99-rt.conf:2: kernel.sched_rt_period_us = -1");
    }

    @Test
    void cmdlineSettingComparesCpuSetsAndSeesPendingReboot() throws IOException {
        DirectoryRoot r = host("isolcpus=managed_irq,3,1 nohz_full=1,3 rcu_nocbs=1,3");
        Audit.Report rep = audit(r, "realtime-virtual-host", null);
        assertThat(rep.isolated()).isEqualTo("1,3");
        assertThat(rep.isolatedSource()).contains("kernel command line");
        assertThat(find(rep, "cmdline.isolcpus").severity()).isEqualTo(Severity.PASS);
        assertThat(find(rep, "cmdline.idle").severity()).isEqualTo(Severity.WARN);
        put("etc/default/grub", "GRUB_CMDLINE_LINUX=\"isolcpus=1,3 idle=poll\"\n");
        Finding pending = find(audit(DirectoryRoot.of(tmp), "realtime-virtual-host", null), "cmdline.idle");
        assertThat(pending.actual()).contains("pending reboot");
        assertThat(pending.rebootNeeded()).isTrue();
    }

    @Test
    void sysctlSettingPassAndFail() throws IOException {
        DirectoryRoot r = host("");
        put("proc/sys/kernel/watchdog", "1\n");
        Finding f = find(audit(r, "realtime-virtual-host", CpuSet.parseList("1,3")), "sysctl.kernel.watchdog");
        assertThat(f.severity()).isEqualTo(Severity.WARN);
        assertThat(f.fix().runtime()).isEqualTo("sysctl -w kernel.watchdog=0");
        assertThat(f.evidence()).containsExactly("proc/sys/kernel/watchdog = 1");
        put("proc/sys/kernel/watchdog", "0\n");
        assertThat(find(audit(r, "realtime-virtual-host", CpuSet.parseList("1,3")), "sysctl.kernel.watchdog").severity()).isEqualTo(Severity.PASS);
        assertThat(find(audit(r, "realtime-virtual-host", CpuSet.parseList("1,3")), "sysctl.kernel.nmi_watchdog").actual())
                .startsWith("not available");
    }

    @Test
    void profileDefaultIsolationKeepsFirstCoreOfTheNode() throws IOException {
        Audit.Report r = audit(host(""), "realtime-virtual-host", null);
        assertThat(r.isolated()).isEqualTo("1,3");
        assertThat(r.housekeeping()).isEqualTo("0,2");
        assertThat(r.isolatedSource()).startsWith("profile default");
    }

    @Test
    void autoChoosesGuestOrHost() throws IOException {
        var facts = HostFactsCollector.collect(host(""));
        assertThat(Audit.chooseProfile("auto", facts)[0]).isEqualTo("virtual-host");
        put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: hypervisor pse\n\n");
        assertThat(Audit.chooseProfile("auto", HostFactsCollector.collect(DirectoryRoot.of(tmp)))[0]).isEqualTo("virtual-guest");
        assertThat(Audit.chooseProfile("auto", HostFactsCollector.collect(DirectoryRoot.of(tmp)), true, false)[1]).contains("/dev/kvm too");
        assertThat(Audit.chooseProfile("auto", HostFactsCollector.collect(DirectoryRoot.of(tmp)), true, true)[0]).as("a VM named runs here").isEqualTo("virtual-host");
    }

    @Test
    void findingsDoNotDependOnDirectoryListingOrder() {
        Path snap = dev.kvmtune.testing.Golden.resources().resolve("roots/nested-kvm-2cpu-tuned/snapshot.tar.gz");
        try (var root = dev.kvmtune.facts.snapshot.SnapshotRoot.open(snap)) {
            // the same tree, every directory listed backwards
            var reversed = (dev.kvmtune.facts.source.Root) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {dev.kvmtune.facts.source.Root.class}, (proxy, m, args) -> {
                        Object r = m.invoke(root, args);
                        if (m.getName().equals("list")) {
                            var l = new java.util.ArrayList<>((List<?>) r);
                            java.util.Collections.reverse(l);
                            return l;
                        }
                        return r;
                    });
            Profile p = ProfileLoader.load("realtime-virtual-host");
            var a = Audit.run(HostFactsCollector.collect(root), root, p, "test", null);
            var b = Audit.run(HostFactsCollector.collect(reversed), reversed, p, "test", null);
            assertThat(b.findings()).isEqualTo(a.findings());
            assertThat(a.findings()).hasSizeGreaterThan(40);
        }
    }

    @Test
    void findingsAreDeterministic() throws IOException {
        DirectoryRoot r = host("isolcpus=1,3 nohz_full=1,3 pcie_asmp=off");
        assertThat(audit(r, "realtime-virtual-host", null)).isEqualTo(audit(r, "realtime-virtual-host", null));
    }

    @Test
    void userProfileExtendsABuiltInAndBadProfilesNameTheLine() throws IOException {
        Path p = tmp.resolve("mine.yaml");
        Files.writeString(p, """
                name: mine
                extends: virtual-host
                settings:
                  - kind: sysctl
                    key: vm.swappiness
                    expected: "10"
                    severity: warn
                    area: memory
                    title: Little swapping
                """);
        Profile prof = ProfileLoader.load(p.toString());
        assertThat(prof.settings()).extracting(SettingSpec::key).contains("vm.dirty_background_ratio", "vm.swappiness");
        Files.writeString(p, "name: bad\nsettings:\n  - kind: sysctl\n    key: x\n    expected: 1\n    colour: red\n");
        assertThatThrownBy(() -> ProfileLoader.load(p.toString())).isInstanceOf(BadInputException.class)
                .hasMessageContaining("mine.yaml:6").hasMessageContaining("colour");
        Files.writeString(p, "name: bad\nsettings:\n  - kind: nonsense\n    key: x\n    expected: 1\n");
        assertThatThrownBy(() -> ProfileLoader.load(p.toString())).hasMessageContaining("unknown kind 'nonsense'");
        assertThatThrownBy(() -> ProfileLoader.load("no-such-profile")).hasMessageContaining("neither a built-in profile");
    }

    @Test
    void everyBuiltInProfileLoadsAndNamesOnlyKnownRules() {
        for (String name : ProfileLoader.BUILT_IN) {
            Profile p = ProfileLoader.load(name);
            assertThat(p.settings()).allSatisfy(s -> assertThat(s.why()).isNotBlank());
            assertThat(p.rules()).allSatisfy(id -> assertThat(dev.kvmtune.rules.checks.Rules.ALL).containsKey(id));
        }
    }

    @Test
    void cliExitCodesFollowFailOn() throws IOException {
        host("");
        put("proc/sys/kernel/watchdog", "1\n");
        String root = tmp.toString();
        Cli.Result failing = Cli.run("audit", "--root", root, "--profile", "realtime-virtual-host", "--fail-on", "warn");
        assertThat(failing.exit()).as(failing.err()).isEqualTo(3);
        assertThat(failing.out()).contains("[sysctl.kernel.watchdog]", "why:", "fix now:");
        Cli.Result lenient = Cli.run("audit", "--root", root, "--profile", "virtual-host", "--fail-on", "fail");
        assertThat(lenient.exit()).as(lenient.out()).isZero();
        assertThat(Cli.run("audit", "--root", root, "--fail-on", "sometimes").exit()).isEqualTo(2);
        assertThat(Cli.run("audit", "--root", root, "--isolated", "7").err()).contains("not online");
        assertThat(Cli.run("audit", "--root", root, "--format", "markdown").out()).startsWith("# kvmtune audit");
    }
}
