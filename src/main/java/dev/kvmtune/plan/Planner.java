package dev.kvmtune.plan;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.settings.Applied;
import dev.kvmtune.settings.SettingKinds;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a partition and a profile into the plan's settings. */
public final class Planner {
    /** SCHED_FIFO priority of realtime vCPU threads: below ksoftirqd (2) and rcuc (3), as seed 002 sets them. */
    public static final int VCPU_FIFO_PRIORITY = 1;

    private Planner() {
    }

    public static Plan plan(HostFacts facts, Profile profile, List<VmRequest> requests, Partitioner.Options opt) {
        Partition partition = Partitioner.partition(HostTopology.of(facts), requests, opt);
        Plan.HostSummary host = hostSummary(facts);
        List<String> notes = new ArrayList<>(partition.notes());
        List<PlannedSetting> settings = new ArrayList<>(profileSettings(profile, partition, host, notes));
        settings.addAll(hugepageSettings(partition, host, notes));
        settings.addAll(ruleSettings(profile, facts, partition));
        settings.addAll(vmThreadSettings(partition));
        return new Plan(Plan.SCHEMA, profile.name(), facts.root(), host, partition, settings, List.of(), notes);
    }

    /** What the renderers and apply need to know of the host a plan is made for. */
    public static Plan.HostSummary hostSummary(HostFacts facts) {
        HostFacts.Cpu cpu = facts.cpu();
        var kernel = facts.kernel();
        var boot = kernel.bootLoader();
        return new Plan.HostSummary(cpu.identity() == null ? null : cpu.identity().vendor(),
                cpu.identity() == null ? null : cpu.identity().arch(),
                kernel.release().isPresent() ? kernel.release().value() : null,
                kernel.cmdline().isPresent() ? kernel.cmdline().value().raw() : null,
                boot == null ? null : boot.kind(), boot == null ? null : boot.cmdline().raw(), boot == null ? null : boot.source(),
                cpu.lastCpu() + 1);
    }

    /** The profile's settings with the partition's CPU sets filled in; ones about isolated CPUs are dropped when none are. */
    static List<PlannedSetting> profileSettings(Profile profile, Partition partition, Plan.HostSummary host, List<String> notes) {
        List<PlannedSetting> out = new ArrayList<>();
        int skipped = 0;
        for (SettingSpec s : profile.settings() == null ? List.<SettingSpec>of() : profile.settings()) {
            if (s.needsIsolated() && partition.isolated().isEmpty()) {
                skipped++;
                continue;
            }
            // the profile says which vendor and architecture a setting belongs to (kvm_intel vs kvm_amd,
            // intel_pstate, x86's idle=); audit skips the same ones
            if (!s.appliesTo(host.vendor(), host.arch())) continue;
            String key = s.key();
            // the kind says how its value is held (hex masks for cpumask files) and whether only a reboot applies it
            Applied kind = SettingKinds.APPLIED.get(s.kind());
            String value = kind.planValue(key, expand(s.expected(), partition), host.cpus());
            boolean reboot = kind.rebootOnly();
            out.add(new PlannedSetting(s.kind(), key, value, s.cpus() == null ? null : expand(s.cpus(), partition), s.id(), reboot, s.title()));
        }
        if (skipped > 0) notes.add(skipped + " settings of the profile concern isolated CPUs and are left out, because none are isolated");
        return out;
    }

    /**
     * Hugepages per node through sysfs for every size; 1 GiB pages also on the kernel command line,
     * because after boot the memory is usually too fragmented to find whole aligned gigabytes. The
     * per-node form {@code hugepages=0:4,1:2} exists from Linux 5.16; older kernels get the total,
     * which they spread evenly, and the sysfs settings move the pages afterwards.
     */
    static List<PlannedSetting> hugepageSettings(Partition partition, Plan.HostSummary host, List<String> notes) {
        List<PlannedSetting> out = new ArrayList<>();
        Map<Integer, Long> gig = new TreeMap<>();
        boolean only1g = !partition.hugepages().isEmpty();
        for (Partition.Hugepages h : partition.hugepages()) {
            if (h.pageSizeKb() == 1L << 20) gig.merge(h.node(), h.count(), Long::sum);
            else only1g = false;
        }
        if (!gig.isEmpty()) {
            String value;
            if (kernelAtLeast(host.kernel(), 5, 16)) {
                List<String> parts = new ArrayList<>();
                gig.forEach((node, count) -> parts.add(node + ":" + count));
                value = String.join(",", parts);
            } else {
                value = String.valueOf(gig.values().stream().mapToLong(Long::longValue).sum());
                notes.add("kernel " + host.kernel() + " predates per-node hugepages= (5.16): the boot reserves "
                        + value + " 1G pages spread over all nodes, and the per-node sysfs settings move them after boot");
            }
            if (only1g) out.add(new PlannedSetting("cmdline", "default_hugepagesz", "1G", null, "cmdline.default_hugepagesz", true,
                    "1 GiB is the default hugepage size"));
            out.add(new PlannedSetting("cmdline", "hugepagesz", "1G", null, "cmdline.hugepagesz", true, "1 GiB hugepages are reserved at boot"));
            out.add(new PlannedSetting("cmdline", "hugepages", value, null, "cmdline.hugepages", true, "1 GiB hugepages per node for the VMs"));
        }
        for (Partition.Hugepages h : partition.hugepages()) {
            String path = "sys/devices/system/node/node" + h.node() + "/hugepages/hugepages-" + h.pageSizeKb() + "kB/nr_hugepages";
            out.add(new PlannedSetting("sysfs", path, String.valueOf(h.count()), null, "memory.hugepages.per_node", false,
                    h.count() + " " + Partitioner.pageName(h.pageSizeKb()) + " hugepages on node " + h.node()));
        }
        return out;
    }

    /**
     * What some of the profile's rules ask for, as settings apply can make: swap off
     * (memory.swap.off), the performance governor on every CPU with cpufreq
     * (power.cpufreq_performance), and on the isolated CPUs every idle state deeper than bios.cstates
     * allows disabled through cpuidle's per-CPU {@code disable} files.
     */
    static List<PlannedSetting> ruleSettings(Profile profile, HostFacts facts, Partition partition) {
        List<String> rules = profile.rules() == null ? List.of() : profile.rules();
        List<PlannedSetting> out = new ArrayList<>();
        if (rules.contains("memory.swap.off")) {
            out.add(new PlannedSetting("swap", "swap", "off", null, "memory.swap.off", false, "No swap: guest memory is never paged out"));
        }
        var cpus = facts.power() == null || facts.power().cpus() == null ? List.<dev.kvmtune.facts.power.PowerFacts.CpuPower>of() : facts.power().cpus();
        if (rules.contains("power.cpufreq_performance")) {
            for (var c : cpus) {
                if (c.cpufreqGovernor() == null) continue;
                out.add(new PlannedSetting("sysfs", "sys/devices/system/cpu/cpu" + c.cpu() + "/cpufreq/scaling_governor", "performance", null,
                        "power.cpufreq_performance", false, "CPU " + c.cpu() + " runs at its highest frequency"));
            }
        }
        if (rules.contains("bios.cstates") && !partition.isolated().isEmpty()) {
            for (var c : cpus) {
                if (!partition.isolated().contains(c.cpu()) || c.idleStates() == null) continue;
                for (var st : c.idleStates()) {
                    if (st.latencyUs() <= dev.kvmtune.rules.checks.BiosRules.DEEP_STATE_US) continue;
                    out.add(new PlannedSetting("sysfs", "sys/devices/system/cpu/cpu" + c.cpu() + "/cpuidle/state" + st.index() + "/disable", "1",
                            null, "bios.cstates", false, "CPU " + c.cpu() + " never enters " + st.name() + " (exit latency " + st.latencyUs() + " us)"));
                }
            }
        }
        return out;
    }

    /** Each VM's threads by role: realtime vCPUs one CPU each at SCHED_FIFO, the rest on housekeeping CPUs. */
    static List<PlannedSetting> vmThreadSettings(Partition partition) {
        List<PlannedSetting> out = new ArrayList<>();
        for (Partition.VmPlacement vm : partition.vms()) {
            if (vm.rt()) {
                for (int i = 0; i < vm.vcpuPins().size(); i++) {
                    out.add(new PlannedSetting("vm-thread", vm.name() + "/vcpu" + i, "cpus=" + vm.vcpuPins().get(i) + " fifo:" + VCPU_FIFO_PRIORITY,
                            null, "vm.vcpu.pinned_isolated", false, "vCPU " + i + " of " + vm.name() + " alone on an isolated CPU"));
                }
            } else {
                out.add(new PlannedSetting("vm-thread", vm.name() + "/vcpus", "cpus=" + vm.vcpuCpus().toList(), null,
                        "vm.vcpu.allowed_matches_pin", false, "the vCPUs of " + vm.name() + " on shared CPUs"));
            }
            out.add(new PlannedSetting("vm-thread", vm.name() + "/emulator", "cpus=" + vm.emulatorCpus().toList(), null,
                    "vm.emulator.off_vcpu_cpus", false, "the emulator and I/O threads of " + vm.name() + " on housekeeping CPUs"));
        }
        return out;
    }

    static String expand(String value, Partition p) {
        return SettingSpec.expand(value, p.isolated(), p.housekeeping());
    }

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    static boolean kernelAtLeast(String release, int major, int minor) {
        if (release == null) return false;
        Matcher m = RELEASE.matcher(release);
        if (!m.find()) return false;
        long a = Numbers.parseLong(m.group(1), -1);
        long b = Numbers.parseLong(m.group(2), -1);
        return a > major || (a == major && b >= minor);
    }
}
