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
                List<Change> fifo = new ArrayList<>();
                for (VmThread t : vm.threads()) {
                    if (!t.role().equals("vcpu") || !(role.equals("vcpus") || role.equals("vcpu" + t.vcpu()))) continue;
                    fifo.add(new Change.Thread(d.label(), vmName + " " + t.comm() + " (" + t.tid() + ")", pid, t.tid(), policy, prio, null));
                }
                List<Change> budget = RtGroupBudget.changes(d, vmName, pidTids(fifo), c.host().root());
                out.addAll(budget);
                out.addAll(fifo);
                String why = nextStartCannotRunFifo(c);
                if (why == null) {
                    out.add(vcpusched(d, vm, role, policy, prio, c));
                    return Changes.of(d, out, "fifo is set on the running vCPU threads now, and virsh define puts it in the definition: "
                            + "it takes effect there at the next start");
                }
                return Changes.of(d, out, "fifo is set on the running vCPU threads" + (budget.isEmpty() ? "" : ", in cgroups given an RT budget")
                        + "; the definition keeps no vcpusched: " + why);
            }
            return Changes.of(d, out, null);
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
        if (policy != null) out.addAll(0, RtGroupBudget.changes(d, vmName, pidTids(out), c.host().root()));
        return Changes.of(d, out, out.isEmpty() ? "VM " + vmName + " has no " + role + " thread" : null);
    }

    /**
     * Why a fifo vcpusched in the definition would stop the domain's next start, or null: with RT
     * group scheduling and RT bandwidth on, libvirt makes the domain's new cgroups with no RT budget
     * and fails to start it ("Cannot set scheduler parameters").
     */
    private static String nextStartCannotRunFifo(ApplyContext c) {
        var root = c.host().root();
        if (dev.kvmtune.facts.proc.Cgroups.rtGroupMount(root).isEmpty()) return null;
        String limit = root.read("proc/sys/kernel/sched_rt_runtime_us").map(String::strip).orElse("-1");
        if (limit.equals("-1")) return null;
        return "this kernel has RT group scheduling and RT bandwidth on (kernel.sched_rt_runtime_us = " + limit + "), so libvirt would start the "
                + "domain in new cgroups without an RT budget and the start would fail; with kernel.sched_rt_runtime_us = -1 "
                + "(the realtime profile's sysctl) an apply defines it";
    }

    /** virsh define of the domain's definition with a vcpusched for the vCPUs of this setting; not needed when it has them. */
    private static Change vcpusched(Desired d, VmFacts vm, String role, SchedPolicy policy, int prio, ApplyContext c) {
        String name = vm.vm().name();
        String xml;
        try {
            xml = Change.Define.dumpInactive(c.host(), URI, name);
        } catch (java.io.IOException e) {
            throw new BadInputException("VM " + name + ": cannot read its libvirt definition: " + e.getMessage() + "; nothing was changed");
        }
        int vcpus = vm.byRole("vcpu").size();
        if (vcpus == 0 && vm.vm().smp() != null) vcpus = Math.max(vm.vm().smp().cpus(), 0);
        List<Integer> which = new ArrayList<>();
        for (int i = 0; i < vcpus; i++) if (role.equals("vcpus") || role.equals("vcpu" + i)) which.add(i);
        String sched = policy.name().toLowerCase(java.util.Locale.ROOT);
        String source = "virsh dumpxml --inactive " + name;
        Vm.Pinning now = dev.kvmtune.facts.vm.DomainXml.parse(xml, source).pinning();
        boolean has = now != null && which.stream().allMatch(i -> (sched + ":" + prio).equals(now.vcpusched().get(i)));
        String current = now == null || now.vcpusched().isEmpty() ? "no vcpusched" : "vcpusched " + now.vcpusched();
        String wanted = which.isEmpty() ? "" : "vcpusched " + sched + ":" + prio + " for vCPU " + CpuSet.of(which.stream().mapToInt(Integer::intValue).toArray()).toList();
        // the edit is made on the definition as it is when the step runs, after the pins of this apply went into it
        return new Change.Define(d.label(), URI, name, x -> withVcpusched(x, source, which, sched, prio), wanted, current, !has);
    }

    /** The domain XML with {@code <vcpusched vcpus='N' scheduler='S' priority='P'/>} for each vCPU, replacing what it had for them. */
    static String withVcpusched(String xml, String source, List<Integer> vcpus, String scheduler, int prio) {
        org.w3c.dom.Document doc = dev.kvmtune.facts.vm.DomainXml.document(xml, source);
        org.w3c.dom.Element domain = doc.getDocumentElement();
        org.w3c.dom.Element cputune = null;
        for (org.w3c.dom.Node n = domain.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("cputune")) cputune = e;
        }
        if (cputune == null) cputune = (org.w3c.dom.Element) domain.appendChild(doc.createElement("cputune"));
        List<org.w3c.dom.Element> old = new ArrayList<>();
        for (org.w3c.dom.Node n = cputune.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("vcpusched")) old.add(e);
        }
        for (org.w3c.dom.Element e : old) {
            // a vcpusched naming other vCPUs too keeps them, without the ones set here
            CpuSet rest;
            try {
                rest = CpuSet.parseList(e.getAttribute("vcpus"));
            } catch (IllegalArgumentException bad) {
                throw new BadInputException(source + ": <vcpusched vcpus='" + e.getAttribute("vcpus") + "'>: " + bad.getMessage() + "; nothing was changed");
            }
            CpuSet mine = CpuSet.of(vcpus.stream().mapToInt(Integer::intValue).toArray());
            CpuSet left = rest.minus(mine);
            if (left.isEmpty()) cputune.removeChild(e);
            else e.setAttribute("vcpus", left.toList());
        }
        for (int v : vcpus) {
            org.w3c.dom.Element s = doc.createElement("vcpusched");
            s.setAttribute("vcpus", Integer.toString(v));
            s.setAttribute("scheduler", scheduler);
            s.setAttribute("priority", Integer.toString(prio));
            cputune.appendChild(s);
        }
        try {
            javax.xml.transform.TransformerFactory tf = javax.xml.transform.TransformerFactory.newDefaultInstance();
            tf.setAttribute(javax.xml.XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(javax.xml.XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            javax.xml.transform.Transformer t = tf.newTransformer();
            t.setOutputProperty(javax.xml.transform.OutputKeys.OMIT_XML_DECLARATION, "yes");
            java.io.StringWriter w = new java.io.StringWriter();
            t.transform(new javax.xml.transform.dom.DOMSource(doc), new javax.xml.transform.stream.StreamResult(w));
            return w.toString();
        } catch (javax.xml.transform.TransformerException e) {
            throw new IllegalStateException("cannot write domain XML", e);
        }
    }

    private static List<int[]> pidTids(List<Change> threads) {
        List<int[]> out = new ArrayList<>();
        for (Change ch : threads) if (ch instanceof Change.Thread t) out.add(new int[] {t.pid(), t.tid()});
        return out;
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
            // libvirt keeps iothreads apart from the emulator (cgroups of their own, iothreadpin); without libvirt they are emulator threads
            for (String io : vm.vm().iothreads()) {
                if (!io.matches("iothread\\d{1,6}")) continue;
                String id = io.substring("iothread".length());
                CpuSet li = live == null || live.iothreadpin().get(io) == null ? all : live.iothreadpin().get(io);
                CpuSet fi = config == null || config.iothreadpin().get(io) == null ? all : config.iothreadpin().get(io);
                out.add(virsh(d, List.of("iothreadpin", name, id, cpus.toList()), List.of("iothreadpin", name, id), li, fi, cpus,
                        io + " on " + li.toList() + (fi.equals(li) ? "" : " (defined " + fi.toList() + ")")));
            }
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
