package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * A running VM's threads by role (key {@code VM/vcpus}, {@code VM/vcpuN}, {@code VM/emulator};
 * value {@code cpus=LIST} with an optional {@code fifo:P}). A VM that is not running gets its pins
 * from the rendered libvirt XML or pin script when it starts.
 */
final class VmThreadSetting implements Applied {
    /** The libvirt connection kvmtune changes domains through: the system instance, as virsh and libvirtd's own files are. */
    static final String URI = "qemu:///system";

    @Override
    public void checkKey(String key) {
        int slash = key.lastIndexOf('/');
        String role = slash < 0 ? "" : key.substring(slash + 1);
        if (slash <= 0 || !(role.equals("vcpus") || role.equals("emulator") || role.matches("vcpu\\d{1,4}"))) {
            throw new IllegalArgumentException("vm-thread setting '" + key + "' is not VM/vcpus, VM/vcpuN or VM/emulator");
        }
    }

    @Override
    public Changes changes(Desired d, ApplyContext c) {
        int slash = d.key().lastIndexOf('/');
        String vmName = d.key().substring(0, slash);
        String role = d.key().substring(slash + 1);
        SchedPolicy policy = null;
        int prio = 0;
        CpuSet cpus = null;
        for (String tok : d.value().split("\\s+")) {
            if (tok.startsWith("cpus=")) {
                try {
                    cpus = CpuSet.parseList(tok.substring(5));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("plan setting vm-thread '" + d.key() + "': " + e.getMessage());
                }
            } else if (tok.startsWith("fifo:")) {
                policy = SchedPolicy.FIFO;
                long p = Numbers.parseLong(tok.substring(5), -1);
                if (p < 1 || p > 99) throw new BadInputException("plan setting vm-thread '" + d.key() + "': '" + tok + "' is not fifo:1..99");
                prio = (int) p;
            }
        }
        VmFacts vm = c.vms().get().stream().filter(v -> vmName.equals(v.vm().name()) && v.vm().pid() != null).findFirst().orElse(null);
        if (vm == null) {
            return Changes.none(d, false, "VM " + vmName + " is not running; the rendered libvirt XML or qemu/" + vmName + "-pin.sh pins it when it starts");
        }
        int pid = vm.vm().pid();
        List<Change> out = new ArrayList<>();
        if (cpus != null && libvirtManaged(vm, c)) {
            // a libvirt domain is changed through libvirt, live and in its definition, so that the pins last past a restart
            reachable(d, vmName, c);
            out.addAll(virshPins(d, vm, role, cpus, c));
            if (policy != null) {
                // libvirt has no live vcpusched change: the policy is set on the threads; the rendered XML (virsh define) keeps it
                for (VmThread t : vm.threads()) {
                    if (!t.role().equals("vcpu") || !(role.equals("vcpus") || role.equals("vcpu" + t.vcpu()))) continue;
                    out.add(new Change.Thread(d.label(), vmName + " " + t.comm() + " (" + t.tid() + ")", pid, t.tid(), policy, prio, null));
                }
            }
            return Changes.of(d, out, policy == null ? null
                    : "fifo is set on the running vCPU threads; 'virsh define' of the plan's libvirt/" + vmName + ".xml keeps it for the next start");
        }
        for (VmThread t : vm.threads()) {
            boolean mine = switch (role) {
                case "vcpus" -> t.role().equals("vcpu");
                case "emulator" -> !t.role().equals("vcpu");
                default -> role.startsWith("vcpu") && t.role().equals("vcpu") && t.vcpu() != null && role.equals("vcpu" + t.vcpu());
            };
            if (!mine) continue;
            // Kernel threads serving the VM (vhost-PID before 6.4, kvm-pit/PID) are processes of their own.
            int owner = "kernel".equals(t.roleFrom()) ? t.tid() : pid;
            out.add(new Change.Thread(d.label(), vmName + " " + t.comm() + " (" + t.tid() + ")", owner, t.tid(), policy, prio, cpus));
        }
        return Changes.of(d, out, out.isEmpty() ? "VM " + vmName + " has no " + role + " thread" : null);
    }

    /**
     * A running domain libvirt manages (its live XML in run/libvirt/qemu) on the live host with virsh
     * installed; elsewhere the threads are set directly, as without libvirt.
     */
    private static boolean libvirtManaged(VmFacts vm, ApplyContext c) {
        String x = vm.vm().domainXml();
        return c.host().live() && x != null && x.startsWith(dev.kvmtune.facts.vm.VmDiscovery.RUN_DIR + "/")
                && dev.kvmtune.util.Executables.found("virsh");
    }

    /**
     * The domain answers through libvirt, or the apply stops before it changes anything: pinning its
     * threads behind a libvirtd that is down would not last, and a virsh step would fail halfway.
     */
    private static void reachable(Desired d, String name, ApplyContext c) {
        HostAccess.Answer a;
        try {
            a = c.host().ask(virshArgv(List.of("domstate", name)));
        } catch (java.io.IOException e) {
            throw new BadInputException("plan setting vm-thread '" + d.key() + "': cannot ask libvirt about " + name + ": " + e.getMessage());
        }
        if (a.exit() == 0) return;
        String said = a.output().strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("exit " + a.exit());
        String why = said.contains("failed to connect") || said.contains("Failed to connect")
                ? "libvirtd does not answer on " + URI + " (start it: systemctl start libvirtd, or virtlogd -d; libvirtd -d)"
                : said.contains("failed to get domain") || said.contains("Domain not found")
                ? "libvirt on " + URI + " does not know domain " + name + " (virsh list --all)"
                : "virsh domstate " + name + " failed";
        throw new BadInputException("VM " + name + " is a libvirt domain, but " + why + "; nothing was changed (virsh: " + said + ")");
    }

    /**
     * virsh vcpupin / emulatorpin with --live --config, each undone by two commands that put back the
     * live pin (from the live XML) and the defined one (from etc/libvirt/qemu/NAME.xml) as they were.
     */
    private static List<Change> virshPins(Desired d, VmFacts vm, String role, CpuSet cpus, ApplyContext c) {
        String name = vm.vm().name();
        CpuSet all = CpuSet.parseList(c.host().root().read("sys/devices/system/cpu/online").map(String::strip).orElse("0-" + (c.cpus() - 1)));
        Vm.Pinning live = vm.vm().pinning();
        Vm.Pinning config = definedPinning(name, c);
        List<Change> out = new ArrayList<>();
        if (role.equals("emulator")) {
            CpuSet l = live == null || live.emulatorpin() == null ? all : live.emulatorpin();
            CpuSet f = config == null || config.emulatorpin() == null ? all : config.emulatorpin();
            out.add(virsh(d, List.of("emulatorpin", name, cpus.toList()), List.of("emulatorpin", name), l, f, cpus,
                    "emulator on " + l.toList() + (f.equals(l) ? "" : " (defined " + f.toList() + ")")));
            return out;
        }
        int vcpus = vm.byRole("vcpu").size();
        if (vcpus == 0 && vm.vm().smp() != null) vcpus = Math.max(vm.vm().smp().cpus(), 0);
        for (int i = 0; i < vcpus; i++) {
            if (!role.equals("vcpus") && !role.equals("vcpu" + i)) continue;
            CpuSet l = Vm.Pinning.vcpu(live, i, all);
            CpuSet f = Vm.Pinning.vcpu(config, i, all);
            String idx = Integer.toString(i);
            out.add(virsh(d, List.of("vcpupin", name, idx, cpus.toList()), List.of("vcpupin", name, idx), l, f, cpus,
                    "vCPU " + i + " on " + l.toList() + (f.equals(l) ? "" : " (defined " + f.toList() + ")")));
        }
        return out;
    }

    private static Change virsh(Desired d, List<String> set, List<String> undoBase, CpuSet live, CpuSet defined, CpuSet want, String current) {
        List<String> argv = virshArgv(set, "--live", "--config");
        List<String> undoLive = new ArrayList<>(undoBase);
        undoLive.add(live.toList());
        List<String> undoConfig = new ArrayList<>(undoBase);
        undoConfig.add(defined.toList());
        return new Change.Command(d.label(), argv, List.of(virshArgv(undoLive, "--live"), virshArgv(undoConfig, "--config")), false, current,
                !(live.equals(want) && defined.equals(want)));
    }

    private static List<String> virshArgv(List<String> args, String... flags) {
        List<String> a = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
        a.addAll(args);
        a.addAll(List.of(flags));
        return a;
    }

    /** The pins of the domain's definition (what the next start uses), or null when it has none on this host. */
    private static Vm.Pinning definedPinning(String name, ApplyContext c) {
        String path = dev.kvmtune.facts.vm.VmDiscovery.ETC_DIR + "/" + name + ".xml";
        return c.host().root().read(path).map(x -> dev.kvmtune.facts.vm.DomainXml.parse(x, path).pinning()).orElse(null);
    }
}
