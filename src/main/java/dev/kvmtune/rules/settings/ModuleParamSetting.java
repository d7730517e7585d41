package dev.kvmtune.rules.settings;

import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import java.util.List;

/**
 * A kernel module parameter, {@code module.param}, read from
 * {@code sys/module/MODULE/parameters/PARAM}. A module that is not loaded (kvm_amd on Intel)
 * gives an INFO finding, not a failure.
 */
final class ModuleParamSetting implements SettingKind {
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
}
