package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.DomainXml;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmProbe;
import dev.kvmtune.util.SmallFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that pick VMs, shared by vms and threads: --vm, --pid, --xml, --no-qmp. */
public final class VmSelection {
    @Mixin
    VmTarget only = new VmTarget();

    @Option(names = "--xml", paramLabel = "FILE", description = "Also read this libvirt domain XML (virsh dumpxml output); repeatable.")
    List<Path> xml = new ArrayList<>();

    @Option(names = "--no-qmp", description = "Do not ask running VMs over their QMP sockets (vCPU threads then come from thread names only).")
    boolean noQmp;

    @Option(names = "--qmp-timeout", defaultValue = "2s", converter = Converters.Seconds.class, paramLabel = "DURATION",
            description = "How long to wait for a QMP answer (default: ${DEFAULT-VALUE}).")
    Duration qmpTimeout;

    /** The VMs of the root, plus --xml files, filtered; QMP asked on a live root. */
    List<VmFacts> load(Root root) {
        List<VmFacts> all = new ArrayList<>(VmDiscovery.discover(root, ProcessReader.allThreads(root)));
        for (Path p : xml) {
            String text = InputFiles.readText(p, SmallFiles.DOMAIN_XML, "libvirt domain XML");
            all.add(new VmFacts("file", DomainXml.parse(text, p.toString()), List.of()));
        }
        List<VmFacts> out = new ArrayList<>();
        for (VmFacts v : all) {
            if (!only.matches(v)) continue;
            out.add(!noQmp && root.isLive() ? VmProbe.probe(v, qmpTimeout) : v);
        }
        if (out.isEmpty() && only.given()) {
            throw only.notFound(all, root.describe());
        }
        return out;
    }

    /** The one running VM with this name or QEMU pid (for commands that watch a VM: exits record, flame record). */
    static VmFacts running(Root root, String name, Integer pid) {
        VmSelection sel = new VmSelection();
        sel.only.name = name;
        sel.only.pid = pid;
        sel.qmpTimeout = Duration.ofSeconds(2);
        List<VmFacts> vms = sel.load(root).stream().filter(v -> v.state().equals("running") && v.vm().pid() != null).toList();
        if (vms.isEmpty()) throw new BadInputException("no running VM " + sel.only.describe());
        if (vms.size() > 1) throw new BadInputException(vms.size() + " running VMs named " + name + "; pick one with --pid");
        return vms.get(0);
    }
}
