package dev.kvmtune.rules.checks;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * Known-wrong advice from tuning recipes, flagged when found on the host: a typo that the kernel
 * ignores, a parameter that no longer does anything, a value the kernel rejects.
 */
final class AdviceRules {
    private AdviceRules() {
    }

    private static List<Finding> onCmdline(AuditContext ctx, String id, String param, String title, String why, String fix, String ref) {
        List<Finding> out = new ArrayList<>();
        var running = ctx.facts().kernel().cmdline().orElse(null);
        var boot = ctx.facts().kernel().bootLoader();
        List<String> where = new ArrayList<>();
        if (running != null && running.has(param)) where.add("proc/cmdline");
        if (boot != null && boot.cmdline().has(param)) where.add(boot.source());
        if (!where.isEmpty()) {
            out.add(Rules.finding(id, Severity.WARN, "kernel")
                    .title(title)
                    .why(why)
                    .evidence(where.stream().map(w -> w + ": " + param).toList())
                    .expected("no " + param)
                    .actual(param + " in " + String.join(", ", where))
                    .fix(new Finding.Fix(null, fix))
                    .reboot(true)
                    .reference(ref)
                    .build());
        }
        return out;
    }

    static final class PcieAspmTypo implements Rule {
        public String id() {
            return "advice.pcie_asmp_typo";
        }

        public List<Finding> check(AuditContext ctx) {
            return onCmdline(ctx, id(), "pcie_asmp", "pcie_asmp is a typo of pcie_aspm",
                    "The kernel has no pcie_asmp parameter and ignores it, so PCIe link power management stays as it was. "
                            + "The intended parameter is pcie_aspm=off.",
                    "replace pcie_asmp=off with pcie_aspm=off", "Documentation/admin-guide/kernel-parameters.txt (pcie_aspm); seed 002");
        }
    }

    static final class ElevatorIgnored implements Rule {
        public String id() {
            return "advice.elevator_ignored";
        }

        public List<Finding> check(AuditContext ctx) {
            return onCmdline(ctx, id(), "elevator", "elevator= does nothing on blk-mq kernels",
                    "Since Linux 5.0 every block device uses blk-mq and the elevator= boot parameter is ignored; the I/O "
                            + "scheduler is chosen per device in /sys/block/DEV/queue/scheduler.",
                    "drop elevator= and set the scheduler with a udev rule: ACTION==\"add|change\", KERNEL==\"vd[a-z]\", ATTR{queue/scheduler}=\"none\"",
                    "Documentation/block/switching-sched.rst; seed 004");
        }
    }

    static final class RtPeriodMinusOne implements Rule {
        public String id() {
            return "advice.sched_rt_period_minus_one";
        }

        public List<Finding> check(AuditContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.root().list("etc/sysctl.d")) {
                String path = "etc/sysctl.d/" + f;
                var text = ctx.root().read(path);
                if (text.isEmpty()) continue;
                String[] lines = text.get().split("\n");
                for (int i = 0; i < lines.length; i++) {
                    String l = lines[i].replaceAll("\\s+", "");
                    if (l.startsWith("kernel.sched_rt_period_us=-1") || l.startsWith("kernel/sched_rt_period_us=-1")) {
                        out.add(Rules.finding(id(), Severity.WARN, "scheduling")
                                .title("sched_rt_period_us cannot be -1")
                                .why("The kernel rejects -1 for sched_rt_period_us (EINVAL), so the line fails at boot; only "
                                        + "sched_rt_runtime_us takes -1 to turn realtime throttling off.")
                                .evidence(List.of(path + ":" + (i + 1) + ": " + lines[i].strip()))
                                .expected("no sched_rt_period_us=-1")
                                .actual(lines[i].strip())
                                .fix(new Finding.Fix(null, "delete the line; keep kernel.sched_rt_runtime_us = -1"))
                                .reboot(false)
                                .reference("Documentation/scheduler/sched-rt-group.rst; seed 002")
                                .build());
                    }
                }
            }
            return out;
        }
    }

    static final class QemuRealtimeMlock implements Rule {
        public String id() {
            return "advice.qemu_realtime_mlock";
        }

        public List<Finding> check(AuditContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (var process : ctx.facts().threads().processes()) {
                if (!process.comm().startsWith("qemu")) continue;
                int pid = process.pid();
                List<String> args = dev.kvmtune.facts.proc.ProcessReader.cmdline(ctx.root(), pid);
                for (int i = 0; i + 1 < args.size(); i++) {
                    if (!args.get(i).equals("-realtime") && !args.get(i).equals("--realtime")) continue;
                    out.add(Rules.finding(id(), Severity.WARN, "vm")
                            .title("QEMU's -realtime mlock= is replaced by -overcommit mem-lock=")
                            .why("-realtime mlock=on was deprecated in QEMU 5.0 and removed in QEMU 6.0, where the VM no longer starts; "
                                    + "-overcommit mem-lock=on locks guest memory the same way.")
                            .evidence(List.of("proc/" + pid + "/cmdline: -realtime " + args.get(i + 1)))
                            .expected("-overcommit mem-lock=on")
                            .actual("-realtime " + args.get(i + 1))
                            .fix(new Finding.Fix(null,
                                    "replace -realtime mlock=on with -overcommit mem-lock=on (libvirt: <memoryBacking><locked/></memoryBacking>)"))
                            .reboot(false)
                            .reference("QEMU docs/about/removed-features.rst (-realtime mlock); seed 002")
                            .build());
                }
            }
            return out;
        }
    }
}
