package dev.kvmtune.plan.render;

import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.plan.Partition;
import dev.kvmtune.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code qcow2/VM.txt}: for each qcow2 image of a VM, the L2 and refcount cache sizes that map the
 * whole disk (seed 000: the old 1 MiB default covers only 8 GiB with 64 KiB clusters), as -drive
 * suboptions and as libvirt's {@code <metadata_cache>}.
 */
public final class Qcow2Renderer {
    private Qcow2Renderer() {
    }

    public static List<RenderedFile> render(Plan plan, RenderInputs inputs) {
        List<RenderedFile> out = new ArrayList<>();
        for (Partition.VmPlacement vm : plan.partition().vms()) {
            List<String> disks = vm.disks();
            if (disks.isEmpty()) continue;
            StringBuilder sb = new StringBuilder(Header.lines("#", plan, "qcow2 metadata caches for the disks of " + vm.name() + "."));
            for (String file : disks) {
                Qcow2 q = inputs.images().get(file);
                sb.append('\n').append(file).append('\n');
                if (q == null) {
                    sb.append("  not a readable qcow2 image: no cache options\n");
                    continue;
                }
                sb.append("  virtual size ").append(q.virtualSize()).append(" bytes, cluster ").append(q.clusterSize()).append(" bytes")
                        .append(q.extendedL2() ? ", extended L2 entries" : "").append('\n');
                sb.append("  -drive suboptions: ").append(q.driveOptions()).append('\n');
                sb.append("  libvirt: <driver ...><metadata_cache><max_size unit='bytes'>").append(q.l2CacheFull())
                        .append("</max_size></metadata_cache></driver>\n");
                sb.append("  QEMU's own default since 3.1 maps ").append(q.coveredBy(q.defaultL2())).append(" of ").append(q.virtualSize())
                        .append(" bytes; before 3.1 (1 MiB) ").append(q.coveredBy(Qcow2.OLD_DEFAULT_L2)).append('\n');
            }
            out.add(RenderedFile.text("qcow2/" + vm.name() + ".txt", sb.toString()));
        }
        return out;
    }
}
