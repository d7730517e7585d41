package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/** Every renderer, in the order their files are listed. */
public final class Renderers {
    private Renderers() {
    }

    public static List<RenderedFile> all(Plan plan, RenderInputs inputs) {
        List<RenderedFile> out = new ArrayList<>();
        out.addAll(KernelCmdlineRenderer.render(plan));
        out.addAll(SysctlRenderer.render(plan));
        out.addAll(ModprobeRenderer.render(plan));
        out.addAll(IrqbalanceRenderer.render(plan));
        out.addAll(SystemdRenderer.render(plan));
        out.addAll(TunedRenderer.render(plan));
        out.addAll(LibvirtDomainRenderer.render(plan, inputs));
        out.addAll(QemuArgsRenderer.render(plan, inputs));
        out.addAll(Qcow2Renderer.render(plan, inputs));
        out.addAll(GuestRenderer.render(plan));
        return out;
    }
}
