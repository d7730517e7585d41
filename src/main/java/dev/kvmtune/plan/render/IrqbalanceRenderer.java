package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * The irqbalance environment file (/etc/default/irqbalance on Debian, /etc/sysconfig/irqbalance on
 * Fedora/RHEL): the isolated CPUs banned, as a list for irqbalance 1.8+ and as the older hex mask.
 */
public final class IrqbalanceRenderer {
    public static final String PATH = "irqbalance/irqbalance.env";

    private IrqbalanceRenderer() {
    }

    public static List<RenderedFile> render(Plan plan) {
        CpuSet isolated = plan.partition().isolated();
        if (isolated.isEmpty()) return List.of();
        String sb = Header.lines("#", plan, "irqbalance settings: keep the isolated CPUs free of balanced interrupts.")
                + "# Install as /etc/default/irqbalance (Debian/Ubuntu) or /etc/sysconfig/irqbalance (Fedora/RHEL), then: systemctl restart irqbalance\n"
                + "# irqbalance 1.8 and later read the CPU list:\n"
                + "IRQBALANCE_BANNED_CPULIST=" + isolated.toList() + "\n"
                + "# older versions only the hex mask (ignored when the list is set):\n"
                + "IRQBALANCE_BANNED_CPUS=" + isolated.toMask(plan.host().cpus()) + "\n";
        return List.of(RenderedFile.text(PATH, sb));
    }
}
