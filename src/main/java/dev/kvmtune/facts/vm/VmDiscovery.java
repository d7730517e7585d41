package dev.kvmtune.facts.vm;

import dev.kvmtune.KvmtuneException;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the VMs of a host through a {@link Root}: QEMU processes (a main thread whose comm starts
 * with "qemu" or is "kvm", and whose argv[0] is a QEMU system emulator) and libvirt's domain
 * files ({@code run/libvirt/qemu/*.xml} for running domains, {@code etc/libvirt/qemu/*.xml} for
 * defined ones). A process and a domain with the same name are one VM: the process's command
 * line and threads, the domain's {@code <cputune>}, clock and features.
 */
public final class VmDiscovery {
    public static final String RUN_DIR = "run/libvirt/qemu";
    public static final String ETC_DIR = "etc/libvirt/qemu";

    private VmDiscovery() {
    }

    /**
     * @param allThreads every thread of the host as {@link ProcessReader#allThreads} gives them
     */
    public static List<VmFacts> discover(Root root, List<ProcessReader.Task> allThreads) {
        Map<Integer, List<ProcessReader.Task>> byPid = new LinkedHashMap<>();
        List<ProcessReader.Task> kernel = new ArrayList<>();
        for (ProcessReader.Task t : allThreads) {
            if (t.kernelThread()) kernel.add(t);
            else byPid.computeIfAbsent(t.pid(), k -> new ArrayList<>()).add(t);
        }
        List<VmFacts> out = new ArrayList<>();
        List<VmFacts> unreadable = new ArrayList<>();
        Map<String, Vm> domains = domains(root, unreadable);
        List<String> matched = new ArrayList<>();
        List<String> mounts = null;
        for (Map.Entry<Integer, List<ProcessReader.Task>> e : byPid.entrySet()) {
            int pid = e.getKey();
            ProcessReader.Task main = e.getValue().stream().filter(t -> t.tid() == pid).findFirst().orElse(e.getValue().get(0));
            if (!main.comm().startsWith("qemu") && !main.comm().equals("kvm")) continue;
            List<String> argv = ProcessReader.cmdline(root, pid);
            if (argv.isEmpty() || !QemuArgs.isQemu(argv.get(0))) continue;
            if (mounts == null) mounts = root.read("proc/mounts").map(s -> List.of(s.split("\n"))).orElse(List.of());
            List<String> m = mounts;
            Vm vm = QemuArgs.parse(argv, pid, "proc/" + pid + "/cmdline", path -> mountOf(m, path));
            Vm domain = vm.name() == null ? null : domains.get(vm.name());
            if (domain != null) {
                vm = merge(vm, domain);
                matched.add(vm.name());
            }
            out.add(new VmFacts("running", vm, VmThread.roles(pid, e.getValue(), kernel, Map.of(), Map.of())));
        }
        for (Map.Entry<String, Vm> d : domains.entrySet()) {
            if (!matched.contains(d.getKey())) out.add(new VmFacts("defined", d.getValue(), List.of()));
        }
        out.addAll(unreadable);
        return out;
    }

    /** Domain XML files by domain name: a running domain's status file wins over its definition. */
    public static Map<String, Vm> domains(Root root) {
        return domains(root, new ArrayList<>());
    }

    private static Map<String, Vm> domains(Root root, List<VmFacts> unreadable) {
        Map<String, Vm> out = new LinkedHashMap<>();
        for (String dir : List.of(RUN_DIR, ETC_DIR)) {
            for (String f : root.list(dir)) {
                if (!f.endsWith(".xml")) continue;
                String path = dir + "/" + f;
                Optional<String> text = root.read(path);
                if (text.isEmpty()) continue;
                try {
                    Vm vm = DomainXml.parse(text.get(), path);
                    if (vm.name() != null) out.putIfAbsent(vm.name(), vm);
                } catch (KvmtuneException e) {
                    // one bad file must not hide the other VMs; it is listed with the reason
                    unreadable.add(new VmFacts("unreadable", Vm.unreadable(path, e.getMessage()), List.of()));
                }
            }
        }
        return out;
    }

    /**
     * The command line describes what runs; the domain adds what only libvirt knows (pins,
     * scheduler, clock timers, features, its file name).
     */
    static Vm merge(Vm proc, Vm dom) {
        return new Vm(proc.name(), proc.pid(), proc.source(), dom.source(), proc.binary(), proc.accel(), proc.machine(), proc.cpu(),
                proc.smp(), proc.memory(), proc.numa(), proc.nics(), proc.disks(), proc.iothreads(), proc.balloon(), proc.usb(),
                proc.display(), proc.qmp().isEmpty() ? dom.qmp() : proc.qmp(), proc.monitors(), dom.pinning(),
                dom.timers() == null || dom.timers().isEmpty() ? proc.timers() : dom.timers(), dom.features(), proc.notUnderstood());
    }

    /** The mount holding a path, from proc/mounts lines (longest mount point prefix wins). */
    static QemuArgs.Mount mountOf(List<String> mounts, String path) {
        String best = null;
        QemuArgs.Mount found = null;
        for (String line : mounts) {
            String[] f = line.split(" ");
            if (f.length < 4) continue;
            String mp = f[1].replace("\\040", " ");
            boolean under = path.equals(mp) || path.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (!under || (best != null && best.length() >= mp.length())) continue;
            best = mp;
            Long pageSize = null;
            for (String o : f[3].split(",")) {
                if (o.startsWith("pagesize=")) pageSize = Numbers.parseSize(o.substring(9)).stream().boxed().findFirst().orElse(null);
            }
            found = new QemuArgs.Mount(f[2], f[2].equals("hugetlbfs") ? pageSize : null);
        }
        return found;
    }
}
