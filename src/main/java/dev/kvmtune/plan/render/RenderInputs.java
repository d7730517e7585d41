package dev.kvmtune.plan.render;

import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.facts.vm.Vm;
import java.util.Map;

/**
 * What renderers read besides the plan: the domain XML given with {@code --xml NAME=FILE} (text and
 * where it came from) and the headers of qcow2 images by path. Read by the command, so renderers
 * stay pure.
 */
public record RenderInputs(Map<String, Domain> domains, Map<String, Qcow2> images) {
    public static final RenderInputs NONE = new RenderInputs(Map.of(), Map.of());

    public RenderInputs {
        domains = Map.copyOf(domains);
        images = Map.copyOf(images);
    }

    /** The XML text as given, where it came from, and the VM model the command already parsed from it. */
    public record Domain(String source, String xml, Vm vm) {
    }
}
