package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.irq.IrqbalanceReader.Irqbalance;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A daemon's state, by its process name (the key): expected {@code running}, {@code stopped} or
 * {@code any}, and for irqbalance {@code banned=LIST}: when it runs, the CPUs it must leave alone
 * (IRQBALANCE_BANNED_CPULIST). Whether the unit starts at boot is read from the systemd
 * multi-user.target.wants links and shown as evidence.
 */
final class ServiceSetting implements SettingKind, Applied {

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

    /** irqbalance's banned CPUs, in the environment file its unit reads; other services are the user's. */
    @Override
    public Changes changes(Desired d, ApplyContext c) throws IOException {
        HostAccess h = c.host();
        if (!d.key().equals("irqbalance")) return Changes.none(d, false, "services other than irqbalance are left to the user");
        String banned = null;
        for (String tok : d.value().split("\\s+")) {
            if (tok.startsWith("banned=")) banned = tok.substring(7);
        }
        if (banned == null) return Changes.none(d, false, "irqbalance: " + d.value() + " (set it with systemctl)");
        String path = h.exists("etc/sysconfig/irqbalance") || (!h.exists("etc/default/irqbalance") && h.exists("etc/redhat-release"))
                ? "etc/sysconfig/irqbalance" : "etc/default/irqbalance";
        String now = h.exists(path) ? Change.text(h.readBytes(path)) : "";
        CpuSet set = CpuSet.parseList(banned);
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("IRQBALANCE_BANNED_CPULIST", set.toList());
        vars.put("IRQBALANCE_BANNED_CPUS", set.toMask(set.last() + 1).replace(",", ""));
        List<Change> changes = new ArrayList<>(Change.Dir.parents(h, d.label(), path));
        changes.add(new Change.File(d.label(), path, setShellVars(now, vars).getBytes(StandardCharsets.UTF_8), Change.FILE_MODE));
        return Changes.of(d, changes, "irqbalance reads it when it starts: systemctl restart irqbalance");
    }

    /** The file with each variable's last assignment replaced, or appended when it has none. */
    public static String setShellVars(String text, Map<String, String> vars) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        for (var e : vars.entrySet()) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                String t = lines.get(i).strip();
                if (t.startsWith("export ")) t = t.substring(7).strip();
                if (t.startsWith(e.getKey() + "=")) at = i;
            }
            String line = e.getKey() + "=\"" + e.getValue() + "\"";
            if (at >= 0) lines.set(at, line);
            else lines.add(line);
        }
        return String.join("\n", lines) + "\n";
    }
}
