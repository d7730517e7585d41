package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.DomainXml;
import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.plan.Partitioner;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.Planner;
import dev.kvmtune.plan.VmRequest;
import dev.kvmtune.plan.render.RenderInputs;
import dev.kvmtune.plan.render.RenderedFile;
import dev.kvmtune.plan.render.Renderers;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.util.Numbers;
import dev.kvmtune.util.OutputFile;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune plan}: partitions the host for its VMs and renders every configuration file. */
@Command(name = "plan", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Plan one consistent configuration for this host and its VMs: which CPUs are housekeeping and which",
            "are isolated (whole cores; the boot CPU and one core per VM-hosting NUMA node stay housekeeping), where each",
            "realtime VM's vCPUs and hugepages go (one NUMA node), and every setting of the profile with the partition's",
            "CPU sets filled in. With --out, writes the plan (plan.json, for 'kvmtune apply') and the configuration files:",
            "kernel command line, sysctl.d, modprobe.d, irqbalance, systemd CPUAffinity, a tuned profile, libvirt domain",
            "XML, QEMU arguments and a thread-pinning script, the guests' own settings and qcow2 cache sizes.",
            "",
            "--vm takes " + VmRequest.SYNTAX,
            "",
            "Examples:",
            "  kvmtune plan --vm name=rt1,vcpus=4,memory=16G,rt --vm name=web,vcpus=2,memory=4G --out /tmp/plan",
            "  kvmtune plan --profile realtime-virtual-host --vm name=rt1,rt --xml rt1=/etc/libvirt/qemu/rt1.xml --out /tmp/plan",
            "  kvmtune plan --snapshot host.tar.gz --vm name=rt1,vcpus=2,memory=2G,rt --format json"})
public final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--profile", paramLabel = "P|FILE",
            description = "Profile name or YAML file (default: realtime-virtual-host when a VM is realtime, else virtual-host).")
    String profile;

    @Option(names = "--vm", paramLabel = "SPEC", required = true, description = "A VM to place; repeat for more.")
    List<String> vms;

    @Option(names = "--xml", paramLabel = "NAME=FILE", description = "The libvirt domain XML of VM NAME: patched, and read for what --vm leaves out.")
    Map<String, Path> xml = new LinkedHashMap<>();

    @Option(names = "--housekeeping-cores", paramLabel = "N", defaultValue = "1",
            description = "Cores each NUMA node that hosts a VM keeps for the host (default: ${DEFAULT-VALUE}).")
    int housekeepingCores;

    @Option(names = "--host-memory", paramLabel = "SIZE", defaultValue = "1G",
            description = "Memory per NUMA node kept out of hugepages for the host (default: ${DEFAULT-VALUE}).")
    String hostMemory;

    @Option(names = "--assume-node-memory", paramLabel = "SIZE",
            description = "Plan as if each NUMA node whose memory the tree does not show (no nodeN/meminfo) had SIZE.")
    String assumeNodeMemory;

    @Option(names = "--out", paramLabel = "DIR", description = "Write plan.json and the configuration files here.")
    Path out;

    @Override
    public Integer call() {
        if (housekeepingCores < 1) throw new BadInputException("--housekeeping-cores must be at least 1, not " + housekeepingCores);
        long reserve = Numbers.parseSize(hostMemory).orElseThrow(() -> new BadInputException("--host-memory " + hostMemory + " is not a size like 1G or 512M"));
        Map<String, RenderInputs.Domain> domains = new TreeMap<>();
        Map<String, Vm> models = new LinkedHashMap<>();
        List<VmRequest> requests = new ArrayList<>();
        for (String v : vms) requests.add(VmRequest.parse(v));
        for (var e : xml.entrySet()) {
            if (requests.stream().noneMatch(r -> r.name().equals(e.getKey()))) {
                throw new BadInputException("--xml " + e.getKey() + "=" + e.getValue() + ": no --vm named " + e.getKey());
            }
            String text = InputFiles.readText(e.getValue(), SmallFiles.DOMAIN_XML, "libvirt domain XML");
            Vm model = DomainXml.parse(text, e.getValue().toString());
            models.put(e.getKey(), model);
            domains.put(e.getKey(), new RenderInputs.Domain(e.getValue().toString(), text, model));
        }
        requests.replaceAll(r -> r.complete(models.get(r.name())));
        String profileName = profile != null ? profile : requests.stream().anyMatch(VmRequest::rt) ? "realtime-virtual-host" : "virtual-host";
        Profile p = ProfileLoader.load(profileName);
        PrintWriter err = spec.commandLine().getErr();
        try (Root root = parent.openRoot()) {
            // a VM libvirt knows, named without --xml: its definition is the XML to patch (what 'virsh dumpxml --inactive' prints)
            for (int i = 0; i < requests.size(); i++) {
                VmRequest r = requests.get(i);
                if (domains.containsKey(r.name()) || !r.name().matches("[A-Za-z0-9_.+-]{1,200}")) continue;
                String path = dev.kvmtune.facts.vm.VmDiscovery.ETC_DIR + "/" + r.name() + ".xml";
                var text = root.read(path);
                if (text.isEmpty()) continue;
                Vm model = DomainXml.parse(text.get(), path);
                domains.put(r.name(), new RenderInputs.Domain("/" + path, text.get(), model));
                requests.set(i, r.complete(model));
                err.println("kvmtune: " + r.name() + ": patching libvirt's definition " + (root.isLive() ? "/" + path : path + " of " + root.describe())
                        + " (give --xml to patch another)");
            }
            HostFacts facts = HostFactsCollector.collect(root);
            long assumeKb = 0;
            if (assumeNodeMemory != null) {
                long bytes = Numbers.parseSize(assumeNodeMemory).orElse(-1);
                if (bytes < 1L << 20) throw new BadInputException("--assume-node-memory " + assumeNodeMemory + " is not a size of at least 1M (like 64G)");
                assumeKb = bytes / 1024;
            }
            Plan plan = Planner.plan(facts, p, requests, new Partitioner.Options(housekeepingCores, p.needsIsolation(), reserve / 1024, assumeKb));
            Map<String, Qcow2> images = new TreeMap<>();
            for (VmRequest r : requests) {
                for (String disk : r.disks()) {
                    String rel = disk.replaceFirst("^/+", "");
                    root.readHead(rel, Qcow2.HEADER_BYTES).ifPresent(head -> {
                        try {
                            images.put(disk, Qcow2.parse(head, disk));
                        } catch (BadInputException e) {
                            err.println("kvmtune: " + e.getMessage() + " (no qcow2 cache options for it)");
                        }
                    });
                }
            }
            List<RenderedFile> files = Renderers.all(plan, new RenderInputs(domains, images));
            List<String> names = new ArrayList<>();
            names.add("plan.json");
            files.forEach(f -> names.add(f.path()));
            plan = plan.withFiles(out == null ? List.of() : names);
            if (out != null) write(out, plan, files);
            PrintWriter o = spec.commandLine().getOut();
            Plan written = plan;
            Path dir = out;
            Formatted.print(o, parent.format, () -> written, () -> PlanText.text(written, dir));
            o.flush();
            return ExitCodes.OK;
        }
    }

    /** Everything is rendered before the first write; each file is written whole to a temporary name, then renamed. */
    static void write(Path dir, Plan plan, List<RenderedFile> files) {
        try {
            Files.createDirectories(dir);
            Path realDir = dir.toRealPath();
            List<RenderedFile> all = new ArrayList<>();
            all.add(RenderedFile.text("plan.json", Json.write(plan)));
            all.addAll(files);
            for (RenderedFile f : all) {
                Path target = dir.resolve(f.path()).normalize();
                if (!target.startsWith(dir.normalize())) throw new IllegalStateException("renderer path escapes --out: " + f.path());
                Files.createDirectories(target.getParent());
                // a subdirectory someone linked elsewhere (qemu -> /etc) would carry root's writes out of --out
                if (!target.getParent().toRealPath().startsWith(realDir)) {
                    throw new BadInputException("--out " + dir + ": " + dir.relativize(target.getParent()) + " leads outside it (a symbolic link); nothing more was written");
                }
                OutputFile.writeDerived(target, f.content(), PosixFilePermissions.fromString(f.executable() ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (AccessDeniedException e) {
            throw new BadInputException("--out " + dir + ": permission denied (" + e.getFile() + ")");
        } catch (IOException e) {
            throw new BadInputException("--out " + dir + ": cannot write: " + e.getMessage(), e);
        }
    }
}
