package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import dev.kvmtune.settings.Desired;
import dev.kvmtune.settings.SettingKinds;
import java.util.List;

/** {@code sysctl.d/90-kvmtune.conf} (sysctl.d(5)): the plan's sysctls, loaded at boot by systemd-sysctl. */
public final class SysctlRenderer {
    public static final String PATH = "sysctl.d/90-kvmtune.conf";

    private SysctlRenderer() {
    }

    public static List<RenderedFile> render(Plan plan) {
        List<PlannedSetting> sysctls = plan.settings("sysctl");
        if (sysctls.isEmpty()) return List.of();
        StringBuilder sb = new StringBuilder(Header.lines("#", plan, "Kernel parameters for this host. Install as /etc/" + PATH + ", then: sysctl --system"));
        for (PlannedSetting s : sysctls) {
            sb.append("\n# ").append(s.title()).append(" (").append(s.rule()).append(")\n");
            sb.append(SettingKinds.APPLIED.get("sysctl").sysctlLine(new Desired(s.kind(), s.key(), s.value(), s.cpus(), s.title()))).append('\n');
        }
        return List.of(RenderedFile.text(PATH, sb.toString()));
    }
}
