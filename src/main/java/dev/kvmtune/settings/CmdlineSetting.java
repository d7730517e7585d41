package dev.kvmtune.settings;

import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.kernel.BootLoaderReader;
import dev.kvmtune.facts.kernel.KernelCmdline;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A kernel command-line parameter (Documentation/admin-guide/kernel-parameters.txt). CPU-list
 * parameters are compared as sets (isolcpus without its flags). A parameter the boot loader is
 * configured with but {@code proc/cmdline} lacks is "pending reboot", not "missing".
 */
final class CmdlineSetting implements SettingKind, Applied {
    static final Set<String> CPU_LIST_PARAMS = Set.of("isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity");

    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        var k = ctx.facts().kernel();
        String expected = ctx.expand(spec.expected());
        List<String> evidence = new ArrayList<>();
        KernelCmdline running = k.cmdline().orElse(null);
        if (running == null) {
            return SettingKinds.finding(spec, Severity.INFO, List.of(k.cmdline().source() + " " + k.cmdline()), describe(spec.key(), expected),
                    "unknown", fix(ctx, spec.key(), expected), true);
        }
        evidence.add("proc/cmdline: " + running.last(spec.key()).map(v -> v.isEmpty() ? spec.key() : spec.key() + "=" + v).orElse("(no " + spec.key() + ")"));
        String actual = running.last(spec.key()).map(v -> v.isEmpty() ? "present" : v).orElse("absent");
        if (matches(running, spec.key(), expected)) {
            return SettingKinds.finding(spec, Severity.PASS, evidence, describe(spec.key(), expected), actual, null, false);
        }
        BootLoaderReader.BootLoader boot = k.bootLoader();
        if (boot != null) {
            evidence.add(boot.source() + ": " + boot.cmdline().last(spec.key()).map(v -> spec.key() + (v.isEmpty() ? "" : "=" + v)).orElse("(no " + spec.key() + ")"));
            if (matches(boot.cmdline(), spec.key(), expected)) {
                return SettingKinds.finding(spec, Severity.WARN, evidence, describe(spec.key(), expected),
                        actual + " (pending reboot: " + boot.source() + " has it)", new Finding.Fix("reboot", null), true);
            }
        }
        return SettingKinds.finding(spec, SettingKinds.sev(spec), evidence,
                describe(spec.key(), expected), actual, fix(ctx, spec.key(), expected), true);
    }

    static boolean matches(KernelCmdline c, String key, String expected) {
        if (expected.equals("absent")) return !c.has(key);
        var v = c.last(key);
        if (v.isEmpty()) return false;
        if (expected.equals("present")) return true;
        if (CPU_LIST_PARAMS.contains(key)) {
            try {
                return cpus(key, v.get()).equals(cpus(key, expected));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return v.get().equals(expected);
    }

    /** CPU set of a list parameter, without isolcpus's leading flags. */
    static CpuSet cpus(String key, String value) {
        return CpuSet.parseList(key.equals("isolcpus") ? IsolationReader.isolcpusList(value) : value);
    }

    private static String describe(String key, String expected) {
        return switch (expected) {
            case "present" -> key + " present";
            case "absent" -> key + " absent";
            default -> key + "=" + expected;
        };
    }

    private static Finding.Fix fix(AuditContext ctx, String key, String expected) {
        BootLoaderReader.BootLoader boot = ctx.facts().kernel().bootLoader();
        String param = expected.equals("present") ? key : key + "=" + expected;
        if (expected.equals("absent")) {
            return new Finding.Fix(null, "remove " + key + " from the kernel command line, then reboot");
        }
        String persistent = boot != null && boot.kind().equals("bls")
                ? "grubby --update-kernel=ALL --args=\"" + param + "\", then reboot"
                : "add " + param + " to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (Debian/Ubuntu) or "
                        + "grub2-mkconfig -o /boot/grub2/grub.cfg (Fedora/RHEL), then reboot";
        return new Finding.Fix(null, persistent);
    }

    /** Nothing now: the parameter goes to the boot loader with the others, in effect after a reboot. */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        return Changes.none(d, true, bootParameter(d) + ": written to the boot loader, in effect after a reboot");
    }

    @Override
    public String bootParameter(Desired d) {
        return d.key() + (d.value().equals("present") ? "" : "=" + d.value());
    }

    @Override
    public boolean rebootOnly() {
        return true;
    }
}
