package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Partition;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.settings.Applied;
import dev.kvmtune.settings.Desired;
import dev.kvmtune.settings.SettingKinds;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest side of each VM, from the guest profiles: for a realtime VM the kernel command line and
 * sysctls of realtime-virtual-guest (vCPU 0 keeps housekeeping, the other vCPUs are isolated inside
 * the guest, seed 002); for the others the virtual-guest sysctls and a udev rule that gives virtio
 * disks the {@code none} I/O scheduler (seed 004: the host already schedules the real device).
 */
public final class GuestRenderer {
    private GuestRenderer() {
    }

    public static List<RenderedFile> render(Plan plan) {
        List<RenderedFile> out = new ArrayList<>();
        Map<String, Profile> profiles = new HashMap<>();
        for (Partition.VmPlacement vm : plan.partition().vms()) {
            String dir = "guest/" + vm.name() + "/";
            Profile p = profiles.computeIfAbsent(vm.rt() ? "realtime-virtual-guest" : "virtual-guest", ProfileLoader::load);
            CpuSet all = CpuSet.range(0, vm.vcpus() - 1);
            CpuSet isolated = vm.rt() && vm.vcpus() > 1 ? CpuSet.range(1, vm.vcpus() - 1) : CpuSet.EMPTY;
            CpuSet housekeeping = all.minus(isolated);
            List<String> cmdline = new ArrayList<>();
            StringBuilder sysctl = new StringBuilder(Header.lines("#", plan, "Guest sysctls for " + vm.name() + " (profile " + p.name()
                    + "). Install in the guest as /etc/sysctl.d/90-kvmtune.conf, then: sysctl --system"));
            for (SettingSpec s : p.settings()) {
                if (s.needsIsolated() && isolated.isEmpty()) continue;
                // the guest runs the host's architecture: idle= and the other x86 parameters only there
                if (!s.appliesTo(null, plan.host().arch())) continue;
                // the guest gets the kinds that have a form in these two files: boot parameters and sysctl lines
                Desired d = new Desired(s.kind(), s.key(), SettingSpec.expand(s.expected(), isolated, housekeeping), null, s.title());
                Applied kind = SettingKinds.APPLIED.get(s.kind());
                String boot = kind == null ? null : kind.bootParameter(d);
                String line = kind == null ? null : kind.sysctlLine(d);
                if (boot != null) cmdline.add(boot);
                if (line != null) sysctl.append(line).append('\n');
            }
            if (!cmdline.isEmpty()) {
                String text = Header.lines("#", plan, "Guest kernel command line for " + vm.name() + " (profile " + p.name() + "): vCPU 0 does the"
                        + " guest's housekeeping" + (isolated.isEmpty() ? "" : ", vCPUs " + isolated.toList() + " run the realtime work") + ".")
                        + "# Add to GRUB_CMDLINE_LINUX in the guest's /etc/default/grub (or grubby --update-kernel=ALL --args=...), then reboot it.\n"
                        + String.join(" ", cmdline) + "\n";
                out.add(RenderedFile.text(dir + "cmdline.txt", text));
            } else if (vm.rt()) {
                out.add(RenderedFile.text(dir + "cmdline.txt", Header.lines("#", plan, "Guest kernel command line for " + vm.name() + ".")
                        + "# One vCPU: nothing to isolate inside the guest.\n"));
            }
            out.add(RenderedFile.text(dir + "sysctl.conf", sysctl.toString()));
            if (!vm.rt()) {
                out.add(RenderedFile.text(dir + "60-kvmtune-io-scheduler.rules", Header.lines("#", plan,
                        "udev rule for " + vm.name() + ": virtio disks use the none scheduler; the host schedules the real device.")
                        + "# Install in the guest as /etc/udev/rules.d/60-kvmtune-io-scheduler.rules, then: udevadm trigger --subsystem-match=block\n"
                        + "ACTION==\"add|change\", SUBSYSTEM==\"block\", KERNEL==\"vd[a-z]*\", ATTR{queue/scheduler}=\"none\"\n"));
            }
        }
        return out;
    }
}
