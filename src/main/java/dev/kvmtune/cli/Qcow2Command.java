package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.vm.Qcow2;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune qcow2 IMAGE}: L2 and refcount cache sizes from the image header (seed 000). */
@Command(name = "qcow2", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Read a qcow2 image's header (virtual size, cluster size, refcount width, extended L2 entries)",
            "and print the l2-cache-size that maps the whole virtual disk, the refcount-cache-size to go with it,",
            "and the -drive option string. Without it QEMU caches L2 tables for 8 GiB (64 KiB clusters) before",
            "QEMU 3.1 and at most 32 MiB of tables (256 GiB) since; random I/O beyond that reads metadata from disk.",
            "",
            "Examples:",
            "  kvmtune qcow2 /var/lib/libvirt/images/rt1.qcow2",
            "  kvmtune qcow2 disk.qcow2 --format json"})
public final class Qcow2Command implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMAGE", description = "A qcow2 image file.")
    Path image;

    @Override
    public Integer call() {
        Qcow2 q = Qcow2.parse(InputFiles.readHead(image, Qcow2.HEADER_BYTES), image.toString());
        PrintWriter out = spec.commandLine().getOut();
        if (parent.format == OutputFormat.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("image", image.toString());
            m.put("header", q);
            m.put("clusterSize", q.clusterSize());
            m.put("l2CacheSize", q.l2CacheFull());
            m.put("refcountCacheSize", q.refcountCache());
            m.put("qemuDefaultL2", q.defaultL2());
            m.put("qemuDefaultCovers", q.coveredBy(q.defaultL2()));
            m.put("oldDefaultCovers", q.coveredBy(Qcow2.OLD_DEFAULT_L2));
            m.put("driveOptions", q.driveOptions());
            out.print(Json.write(m));
        } else {
            out.printf("%s: qcow2 v%d, virtual size %s, cluster size %s, refcount %d bits%s%s%n", image, q.version(),
                    VmText.size(q.virtualSize()), VmText.size(q.clusterSize()), q.refcountBits(),
                    q.extendedL2() ? ", extended L2 entries" : "", q.hasBackingFile() ? ", has a backing file" : "");
            out.printf("  l2-cache-size        %d (%s) maps all %s%n", q.l2CacheFull(), VmText.size(q.l2CacheFull()), VmText.size(q.virtualSize()));
            out.printf("  refcount-cache-size  %d (%s)%n", q.refcountCache(), VmText.size(q.refcountCache()));
            out.printf("  QEMU >= 3.1 default  %s, maps %s; QEMU < 3.1 default 1 MiB maps %s%n", VmText.size(q.defaultL2()),
                    VmText.size(q.coveredBy(q.defaultL2())), VmText.size(q.coveredBy(Qcow2.OLD_DEFAULT_L2)));
            out.printf("  -drive file=%s,%s%n", image, q.driveOptions());
            if (q.snapshots() > 0) out.println("  the image has " + q.snapshots() + " internal snapshots: cache-clean-interval=900 frees unused cache entries");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
