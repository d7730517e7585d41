package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A tuned profile directory, {@code tuned/kvmtune-PROFILE/tuned.conf}, that includes tuned's own
 * profile of the same purpose and adds what the plan sets beyond it: the isolated cores variable,
 * sysctls, sysfs values (per-node hugepages, KSM, THP, workqueue masks), module options, kernel
 * thread priorities, banned IRQ CPUs, systemd's CPU affinity and the boot parameters tuned's profile
 * does not already derive from {@code isolated_cores}. Install with
 * {@code cp -r tuned/kvmtune-PROFILE /etc/tuned/ && tuned-adm profile kvmtune-PROFILE}.
 */
public final class TunedRenderer {
    /** Boot parameters tuned's realtime-virtual-host and realtime profiles already set from isolated_cores. */
    static final Set<String> SET_BY_TUNED_REALTIME = Set.of("isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", "intel_pstate", "tsc", "nohz");

    private TunedRenderer() {
    }

    public static String profileName(Plan plan) {
        return "kvmtune-" + plan.profile().replaceAll("[^A-Za-z0-9_.-]", "-");
    }

    /** tuned's profile of the same purpose. */
    static String include(Plan plan) {
        return switch (plan.profile()) {
            case "realtime-virtual-host", "virtual-host", "realtime-virtual-guest", "virtual-guest" -> plan.profile();
            default -> plan.partition().isolated().isEmpty() ? "virtual-host" : "realtime-virtual-host";
        };
    }

    public static List<RenderedFile> render(Plan plan) {
        String include = include(plan);
        boolean realtime = include.startsWith("realtime");
        StringBuilder sb = new StringBuilder(Header.lines("#", plan, "tuned profile " + profileName(plan) + ". Install: cp -r "
                + profileName(plan) + " /etc/tuned/ && tuned-adm profile " + profileName(plan)));
        sb.append("\n[main]\nsummary=kvmtune plan for ").append(plan.partition().vms().size()).append(" VM(s) on top of tuned's ")
                .append(include).append("\ninclude=").append(include).append('\n');
        if (realtime && !plan.partition().isolated().isEmpty()) {
            // Set here, the variable wins over /etc/tuned/realtime-virtual-host-variables.conf (tuned's realtime profile defines it first for this).
            sb.append("\n[variables]\nisolated_cores=").append(plan.partition().isolated().toList()).append('\n');
        }
        section(sb, "sysctl", plan.settings("sysctl"), s -> s.key() + "=" + s.value());
        section(sb, "sysfs", plan.settings("sysfs"), s -> "/" + s.key() + "=" + s.value());
        Map<String, List<String>> modules = new TreeMap<>();
        for (PlannedSetting s : plan.settings("module-param")) {
            int dot = s.key().indexOf('.');
            modules.computeIfAbsent(s.key().substring(0, dot), k -> new ArrayList<>()).add(s.key().substring(dot + 1) + "=" + s.value());
        }
        if (!modules.isEmpty()) {
            sb.append("\n[modules]\n");
            modules.forEach((m, opts) -> sb.append(m).append('=').append(String.join(" ", opts)).append('\n'));
        }
        List<String> groups = new ArrayList<>();
        for (PlannedSetting s : plan.settings("thread-sched")) {
            String name = s.key().replaceAll("[^A-Za-z0-9_]", "");
            String[] pol = s.value().split(":");
            String policy = switch (pol[0]) {
                case "fifo" -> "f";
                case "rr" -> "r";
                case "batch" -> "b";
                case "idle" -> "i";
                default -> "o";
            };
            String prio = pol.length > 1 ? pol[1] : "0";
            // group.NAME=rule_priority:policy:priority:affinity:regex; '*' keeps each per-CPU thread on its CPU.
            groups.add("group." + name + "=0:" + policy + ":" + prio + ":*:^\\[" + name);
        }
        if (!groups.isEmpty()) {
            sb.append("\n[scheduler]\n");
            groups.forEach(g -> sb.append(g).append('\n'));
        }
        if (!plan.partition().isolated().isEmpty()) {
            sb.append("\n[irqbalance]\nbanned_cpus=").append(plan.partition().isolated().toList()).append('\n');
            sb.append("\n[systemd]\ncpu_affinity=").append(plan.partition().housekeeping().toList()).append('\n');
        }
        List<String> params = new ArrayList<>();
        KernelCmdlineRenderer.wanted(plan).forEach((k, v) -> {
            if (v == null) return;
            if (realtime && SET_BY_TUNED_REALTIME.contains(k)) return;
            params.add(v.isEmpty() ? k : k + "=" + v);
        });
        if (!params.isEmpty()) {
            sb.append("\n[bootloader]\ncmdline_kvmtune=+").append(String.join(" ", params)).append('\n');
        }
        return List.of(RenderedFile.text("tuned/" + profileName(plan) + "/tuned.conf", sb.toString()));
    }

    private static void section(StringBuilder sb, String name, List<PlannedSetting> settings, java.util.function.Function<PlannedSetting, String> line) {
        if (settings.isEmpty()) return;
        sb.append('\n').append('[').append(name).append("]\n");
        for (PlannedSetting s : settings) sb.append(line.apply(s)).append('\n');
    }
}
