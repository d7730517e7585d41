package dev.kvmtune.rules.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.irq.IrqbalanceReader.Irqbalance;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A daemon's state, by its process name (the key): expected {@code running}, {@code stopped} or
 * {@code any}, and for irqbalance {@code banned=LIST}: when it runs, the CPUs it must leave alone
 * (IRQBALANCE_BANNED_CPULIST). Whether the unit starts at boot is read from the systemd
 * multi-user.target.wants links and shown as evidence.
 */
final class ServiceSetting implements SettingKind {

    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        String state = null;
        CpuSet banned = null;
        for (String tok : ctx.expand(spec.expected()).strip().split("\\s+")) {
            if (tok.equals("running") || tok.equals("stopped") || tok.equals("any")) state = tok;
            else if (tok.startsWith("banned=") && spec.key().equals("irqbalance")) banned = CpuSet.parseList(tok.substring(7));
            else throw new BadInputException("profile setting service '" + spec.key() + "': expected '" + spec.expected()
                    + "' is running|stopped|any, plus banned=LIST for irqbalance");
        }
        if (state == null) state = "any";
        List<String> evidence = new ArrayList<>();
        Integer pid;
        CpuSet bannedNow = null;
        if (spec.key().equals("irqbalance")) {
            Irqbalance ib = ctx.facts().interrupts().irqbalance();
            pid = ib.running() ? ib.pid() : null;
            bannedNow = ib.bannedCpus();
            if (ib.bannedSource() != null) evidence.add(ib.bannedSource() + ": banned CPUs " + ib.bannedCpus());
            else if (ib.configSource() != null) evidence.add(ib.configSource() + ": no IRQBALANCE_BANNED_CPULIST");
        } else {
            pid = find(ctx, spec.key());
        }
        evidence.add(0, pid == null ? "no process named " + spec.key() + " in proc/*/stat" : spec.key() + " runs as pid " + pid);
        String unit = "etc/systemd/system/multi-user.target.wants/" + spec.key() + ".service";
        if (ctx.root().isDirectory("etc/systemd/system/multi-user.target.wants")) {
            evidence.add(unit + (ctx.root().exists(unit) ? " exists: starts at boot" : " absent: not started at boot"));
        }
        List<String> wrong = new ArrayList<>();
        if (state.equals("running") && pid == null) wrong.add("not running");
        if (state.equals("stopped") && pid != null) wrong.add("running");
        if (banned != null && pid != null && (bannedNow == null || !bannedNow.containsAll(banned))) {
            wrong.add("banned CPUs " + (bannedNow == null ? "none" : bannedNow.toList()) + " miss " + (bannedNow == null ? banned : banned.minus(bannedNow)));
        }
        String expected = spec.key() + " " + state + (banned == null ? "" : ", banning CPUs " + banned + " when running");
        String actual = (pid == null ? "not running" : "running") + (bannedNow == null || pid == null ? "" : ", banned " + bannedNow);
        if (!wrong.isEmpty()) actual = String.join("; ", wrong);
        Finding.Fix fix = null;
        if (!wrong.isEmpty()) {
            if (wrong.contains("not running")) fix = new Finding.Fix("systemctl start " + spec.key(), "systemctl enable " + spec.key());
            else if (wrong.contains("running")) fix = new Finding.Fix("systemctl stop " + spec.key(), "systemctl disable " + spec.key());
            else fix = new Finding.Fix("systemctl restart irqbalance after setting the variable",
                    "IRQBALANCE_BANNED_CPULIST=" + banned + " in /etc/default/irqbalance (Debian) or /etc/sysconfig/irqbalance (RHEL)");
        }
        return SettingKinds.finding(spec, wrong.isEmpty() ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, actual, fix, false);
    }

    private static Integer find(AuditContext ctx, String comm) {
        for (ProcessReader.Task t : ctx.facts().threads().processes()) {
            if (t.comm().equals(comm)) return t.pid();
        }
        return null;
    }
}
