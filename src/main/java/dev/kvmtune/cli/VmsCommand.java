package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmFacts;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune vms}: the VMs of this host with their tuning facts. */
@Command(name = "vms", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"List the VMs: running QEMU processes (their command lines read into a model) and libvirt",
            "domains (/run/libvirt/qemu, /etc/libvirt/qemu, --xml), with what tuning depends on: accelerator, CPU",
            "model and PV flags, topology, memory backing and hugepages, NICs and vhost, disks with cache/aio/iothread,",
            "balloon, pins and vCPU scheduler, clock timers. Running VMs are asked over QMP for KVM counters.",
            "",
            "Examples:",
            "  kvmtune vms",
            "  kvmtune vms --vm rt1 --format json",
            "  kvmtune vms --xml <(virsh dumpxml rt1)",
            "  kvmtune vms --snapshot host.tar.gz"})
public final class VmsCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    VmSelection selection;

    @Override
    public Integer call() {
        try (Root root = parent.openRoot()) {
            List<VmFacts> vms = selection.load(root);
            PrintWriter out = spec.commandLine().getOut();
            switch (parent.format) {
                case json -> out.print(Json.write(vms));
                case text, markdown -> out.print(VmText.vms(vms));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
