package dev.kvmtune.cli;

import dev.kvmtune.plan.Partition;
import dev.kvmtune.plan.Partitioner;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The text form of a plan: the partition as a table (a row per CPU), the VMs, hugepages, settings and files. */
final class PlanText {
    private PlanText() {
    }

    static String text(Plan plan, Path out) {
        Partition p = plan.partition();
        StringBuilder sb = new StringBuilder();
        sb.append("Plan for ").append(plan.root()).append(", profile ").append(plan.profile()).append('\n');
        sb.append("  housekeeping CPUs  ").append(p.housekeeping().isEmpty() ? "none" : p.housekeeping().toList()).append('\n');
        sb.append("  isolated CPUs      ").append(p.isolated().isEmpty() ? "none" : p.isolated().toList()).append('\n');
        if (!p.offline().isEmpty()) sb.append("  offline CPUs       ").append(p.offline().toList()).append('\n');
        sb.append('\n').append(String.format(Locale.ROOT, "  %-4s %-6s %-5s %-4s %-15s %s%n", "CPU", "socket", "core", "node", "role", "VM/vCPU"));
        for (Partition.CpuRow r : p.cpus()) {
            String vm = r.vm() == null ? "" : r.vm() + (r.vcpu() == null ? "" : "/" + r.vcpu());
            sb.append(String.format(Locale.ROOT, "  %-4d %-6d %-5d %-4d %-15s %s", r.cpu(), r.socket(), r.core(), r.node(), r.role(), vm).stripTrailing()).append('\n');
        }
        sb.append("\nVMs\n");
        for (Partition.VmPlacement vm : p.vms()) {
            sb.append(String.format(Locale.ROOT, "  %-12s %s, %d vCPU(s) %s, emulator/iothreads on %s, %s%s%n", vm.name(), vm.rt() ? "realtime" : "shared",
                    vm.vcpus(), vm.rt() ? "pinned 1:1 to " + String.join(",", vm.vcpuPins().stream().map(String::valueOf).toList()) : "on " + vm.vcpuCpus().toList(),
                    vm.emulatorCpus().toList(), vm.node() == null ? "memory not bound" : "node " + vm.node(),
                    vm.hugepageKb() == 0 ? ", normal pages" : ", " + vm.hugepageCount() + " x " + Partitioner.pageName(vm.hugepageKb()) + " hugepages"));
        }
        if (!p.hugepages().isEmpty()) {
            sb.append("\nHugepages\n");
            for (Partition.Hugepages h : p.hugepages()) {
                sb.append(String.format(Locale.ROOT, "  node %d  %d x %s%n", h.node(), h.count(), Partitioner.pageName(h.pageSizeKb())));
            }
        }
        Map<String, Integer> kinds = new TreeMap<>();
        int reboot = 0;
        for (PlannedSetting s : plan.settings()) {
            kinds.merge(s.kind(), 1, Integer::sum);
            if (s.reboot()) reboot++;
        }
        sb.append("\nSettings: ").append(plan.settings().size()).append(" (");
        StringBuilder k = new StringBuilder();
        kinds.forEach((kind, n) -> k.append(k.length() == 0 ? "" : ", ").append(n).append(' ').append(kind));
        sb.append(k).append("), ").append(reboot).append(" need a reboot\n");
        if (!plan.notes().isEmpty()) {
            sb.append("\nNotes\n");
            for (String n : plan.notes()) sb.append("  - ").append(n).append('\n');
        }
        if (out == null) {
            sb.append("\nNo files written; --out DIR writes plan.json and the configuration files.\n");
        } else {
            sb.append("\nFiles written to ").append(out).append('\n');
            for (String f : plan.files()) sb.append("  ").append(f).append('\n');
        }
        return sb.toString();
    }
}
