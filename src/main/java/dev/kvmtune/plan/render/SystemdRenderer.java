package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import java.util.List;

/**
 * A systemd drop-in (systemd-system.conf(5) CPUAffinity=) that starts every service on the
 * housekeeping CPUs, so nothing systemd launches lands on an isolated CPU.
 */
public final class SystemdRenderer {
    public static final String PATH = "systemd/system.conf.d/90-kvmtune-cpuaffinity.conf";

    private SystemdRenderer() {
    }

    public static List<RenderedFile> render(Plan plan) {
        if (plan.partition().isolated().isEmpty()) return List.of();
        String text = Header.lines("#", plan, "Services start on housekeeping CPUs. Install as /etc/" + PATH
                + ", then reboot (systemctl daemon-reexec covers services started afterwards).")
                + "[Manager]\n"
                + "CPUAffinity=" + plan.partition().housekeeping().toList().replace(',', ' ') + "\n";
        return List.of(RenderedFile.text(PATH, text));
    }
}
