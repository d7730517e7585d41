package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code modprobe.d/kvmtune.conf} (modprobe.d(5)): one {@code options} line per module (kvm,
 * kvm_intel, kvm_amd). They take effect when the module is next loaded: reboot, or unload and load
 * it with every VM stopped.
 */
public final class ModprobeRenderer {
    public static final String PATH = "modprobe.d/kvmtune.conf";

    private ModprobeRenderer() {
    }

    public static List<RenderedFile> render(Plan plan) {
        Map<String, Map<String, String>> byModule = new TreeMap<>();
        for (PlannedSetting s : plan.settings("module-param")) {
            int dot = s.key().indexOf('.');
            byModule.computeIfAbsent(s.key().substring(0, dot), k -> new TreeMap<>()).put(s.key().substring(dot + 1), s.value());
        }
        if (byModule.isEmpty()) return List.of();
        StringBuilder sb = new StringBuilder(Header.lines("#", plan, "KVM module options. Install as /etc/" + PATH
                + "; they apply when the modules load next (reboot, or with every VM stopped: modprobe -r kvm_intel kvm && modprobe kvm_intel)."));
        for (PlannedSetting s : plan.settings("module-param")) sb.append("# ").append(s.key()).append(": ").append(s.title()).append('\n');
        byModule.forEach((module, params) -> {
            sb.append("options ").append(module);
            params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            sb.append('\n');
        });
        return List.of(RenderedFile.text(PATH, sb.toString()));
    }
}
