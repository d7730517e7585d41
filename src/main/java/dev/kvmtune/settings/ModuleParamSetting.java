package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import java.util.List;

/**
 * A kernel module parameter, {@code module.param}, read from
 * {@code sys/module/MODULE/parameters/PARAM}. A module that is not loaded (kvm_amd on Intel)
 * gives an INFO finding, not a failure.
 */
final class ModuleParamSetting implements SettingKind, Applied {
    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        int dot = spec.key().indexOf('.');
        String module = spec.key().substring(0, Math.max(0, dot));
        String param = spec.key().substring(dot + 1);
        String path = "sys/module/" + module + "/parameters/" + param;
        String expected = ctx.expand(spec.expected());
        if (dot <= 0 || !ctx.root().isDirectory("sys/module/" + module)) {
            return SettingKinds.finding(spec, Severity.INFO, List.of("sys/module/" + module + ": absent"), expected,
                    "module " + module + " not loaded", null, false);
        }
        Sourced<String> v = Sourced.text(ctx.root(), path);
        List<String> evidence = List.of(path + " = " + v);
        if (!v.isPresent()) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "parameter not exposed (" + v + ")", null, false);
        }
        boolean ok = SettingKinds.sameValue(expected, v.value());
        Finding.Fix fix = new Finding.Fix("with every VM stopped: modprobe -r " + module + " && modprobe " + module + " " + param + "=" + expected,
                "/etc/modprobe.d/kvmtune.conf: options " + module + " " + param + "=" + expected);
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, v.value(), ok ? null : fix, false);
    }

    /** The value written to the loaded module's parameter, where the module lets it change while loaded. */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        HostAccess h = c.host();
        int dot = d.key().indexOf('.');
        if (dot <= 0) throw new BadInputException("plan setting module-param '" + d.key() + "' is not MODULE.PARAM");
        String module = d.key().substring(0, dot);
        String path = "sys/module/" + module + "/parameters/" + d.key().substring(dot + 1);
        if (!h.isDirectory("sys/module/" + module)) return Changes.none(d, true, "module " + module + " is not loaded; modprobe.d sets it when it loads");
        if (!h.exists(path)) return Changes.none(d, true, "/" + path + " does not exist on this kernel; left out");
        if (!h.ownerWritable(path)) {
            return Changes.none(d, true, "read-only while " + module + " is loaded; modprobe.d sets it at the next module load (reboot, or "
                    + "modprobe -r with every VM stopped)");
        }
        return Changes.of(d, List.of(new Change.Value(d.label(), path, d.value(), Change.Compare.PLAIN, List.of(), false)), null);
    }

    @Override
    public void checkKey(String key) {
        if (!key.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_]+")) throw new IllegalArgumentException("module parameter '" + key + "' is not MODULE.PARAMETER");
    }
}
