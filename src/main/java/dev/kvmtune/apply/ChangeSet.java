package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.kernel.BootLoaderReader;
import dev.kvmtune.facts.memory.SwapsReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import dev.kvmtune.plan.render.KernelCmdlineRenderer;
import dev.kvmtune.rules.settings.ThreadSchedSetting;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What applying a plan means on one host: for each plan setting, the runtime changes that make it
 * true now (or why there are none: a reboot, a kernel build, a VM not running), then the
 * persistent files that keep it across reboots. Runtime changes come first, so that a setting the
 * kernel refuses (hugepages it cannot find) fails before any file is touched.
 */
public final class ChangeSet {

    /**
     * @param setting  {@code kind key} of the plan setting, or the file for persistent ones
     * @param reboot   takes effect only after a reboot (or module reload)
     * @param note     why there is nothing to change now, or what else to do
     */
    public record Item(String setting, String title, List<Change> changes, boolean reboot, String note) {
    }

    /**
     * @param allowSwapoff     turn swap off when the plan says so (it can take long and needs free memory)
     * @param updateBootloader run the boot-loader regeneration (update-grub, grub2-mkconfig, grubby) after editing
     */
    public record Options(boolean allowSwapoff, boolean updateBootloader) {
    }

    /** Where each rendered file is installed, by its path in the plan directory's prefix. */
    static final Map<String, String> INSTALL = new LinkedHashMap<>();

    static {
        INSTALL.put("sysctl.d/", "etc/sysctl.d/");
        INSTALL.put("modprobe.d/", "etc/modprobe.d/");
        INSTALL.put("systemd/", "etc/systemd/");
        INSTALL.put("tuned/", "etc/tuned/");
    }

    private static final int FILE_MODE = 0644;

    private final List<Item> items;
    private final List<String> notes;

    private ChangeSet(List<Item> items, List<String> notes) {
        this.items = List.copyOf(items);
        this.notes = List.copyOf(notes);
    }

    public List<Item> items() {
        return items;
    }

    public List<String> notes() {
        return notes;
    }

    /** Every change, in the order apply makes them. */
    public List<Change> changes() {
        return items.stream().flatMap(i -> i.changes().stream()).toList();
    }

    /**
     * @param planDir the directory holding plan.json and the files it lists, or null for a bare plan
     */
    public static ChangeSet of(Plan plan, Path planDir, HostAccess h, Options opt) throws IOException {
        List<Item> items = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<ProcessReader.Task> tasks = ProcessReader.allThreads(h.root());
        List<VmFacts> vms = null;
        List<String> cmdline = new ArrayList<>();
        for (PlannedSetting s : plan.settings()) {
            String label = s.kind() + " " + s.key();
            switch (s.kind()) {
                case "sysctl" -> items.add(kernelValue(h, s, "proc/sys/" + s.key().replace('.', '/'), Change.Compare.PLAIN, List.of()));
                case "sysfs" -> {
                    Change.Compare c = s.key().endsWith("/cpumask") ? Change.Compare.CPUMASK : Change.Compare.PLAIN;
                    if (c == Change.Compare.PLAIN && isSelection(h, s.key())) c = Change.Compare.SELECTION;
                    // KSM: run=2 unmerges every shared page; writing 0 straight away would leave them merged.
                    List<String> first = s.key().equals("sys/kernel/mm/ksm/run") && s.value().equals("0") ? List.of("2") : List.of();
                    items.add(kernelValue(h, s, s.key(), c, first));
                }
                case "module-param" -> items.add(moduleParam(h, s));
                case "kernel-config" -> items.add(new Item(label, s.title(), List.of(), false,
                        "a kernel build option (" + s.key() + "=" + s.value() + "): audit checks it, apply cannot change the kernel"));
                case "cmdline" -> cmdline.add(s.key() + (s.value().equals("present") ? "" : "=" + s.value()));
                case "irq-affinity" -> items.add(irq(h, s, plan.host().cpus()));
                case "service" -> items.add(service(h, s));
                case "thread-sched" -> items.add(threadSched(s, tasks));
                case "vm-thread" -> {
                    if (vms == null) vms = VmDiscovery.discover(h.root(), tasks);
                    items.add(vmThread(s, vms));
                }
                case "swap" -> items.add(swap(h, s, opt));
                default -> items.add(new Item(label, s.title(), List.of(), false, "kind " + s.kind() + " is not applied by this version"));
            }
        }
        if (!cmdline.isEmpty()) {
            items.add(new Item("cmdline", "kernel command line", List.of(), true, String.join(" ", cmdline)
                    + ": written to the boot loader (below), in effect after a reboot"));
        }
        if (planDir == null || plan.files().isEmpty()) {
            notes.add("no rendered files beside the plan: only runtime settings are applied; 'kvmtune plan --out DIR' writes them");
        } else {
            items.addAll(files(plan, planDir, h));
            Item boot = bootLoader(plan, h, opt);
            if (boot != null) items.add(boot);
        }
        return new ChangeSet(items, notes);
    }

    /** A file like {@code always [madvise] never}; one that cannot be read is left for apply to report. */
    private static boolean isSelection(HostAccess h, String path) {
        try {
            return h.exists(path) && Change.text(h.readBytes(path)).contains("[");
        } catch (IOException e) {
            return false;
        }
    }

    private static Item kernelValue(HostAccess h, PlannedSetting s, String path, Change.Compare c, List<String> first) {
        String label = s.kind() + " " + s.key();
        if (!h.exists(path)) return new Item(label, s.title(), List.of(), false, "/" + path + " does not exist on this kernel; left out");
        return new Item(label, s.title(), List.of(new Change.Value(label, path, s.value(), c, first, false)), false, null);
    }

    private static Item moduleParam(HostAccess h, PlannedSetting s) {
        String label = s.kind() + " " + s.key();
        int dot = s.key().indexOf('.');
        if (dot <= 0) throw new BadInputException("plan setting module-param '" + s.key() + "' is not MODULE.PARAM");
        String module = s.key().substring(0, dot);
        String path = "sys/module/" + module + "/parameters/" + s.key().substring(dot + 1);
        if (!h.isDirectory("sys/module/" + module)) {
            return new Item(label, s.title(), List.of(), true, "module " + module + " is not loaded; modprobe.d sets it when it loads");
        }
        if (!h.exists(path)) return new Item(label, s.title(), List.of(), true, "/" + path + " does not exist on this kernel; left out");
        if (!h.ownerWritable(path)) {
            return new Item(label, s.title(), List.of(), true,
                    "read-only while " + module + " is loaded; modprobe.d sets it at the next module load (reboot, or modprobe -r with every VM stopped)");
        }
        return new Item(label, s.title(), List.of(new Change.Value(label, path, s.value(), Change.Compare.PLAIN, List.of(), false)), false, null);
    }

    private static Item irq(HostAccess h, PlannedSetting s, int cpus) {
        String label = s.kind() + " " + s.key();
        CpuSet set = CpuSet.parseList(s.value());
        if (s.key().equals("default")) {
            String path = "proc/irq/default_smp_affinity";
            if (!h.exists(path)) return new Item(label, s.title(), List.of(), false, "/" + path + " does not exist; left out");
            return new Item(label, s.title(), List.of(new Change.Value(label, path, set.toMask(cpus), Change.Compare.CPUMASK, List.of(), false)),
                    false, null);
        }
        List<Change> out = new ArrayList<>();
        List<String> irqs = new ArrayList<>(h.root().list("proc/irq").stream().filter(n -> n.matches("\\d+")).toList());
        irqs.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        for (String irq : irqs) {
            String path = "proc/irq/" + irq + "/smp_affinity_list";
            if (h.exists(path)) out.add(new Change.Value(label, path, set.toList(), Change.Compare.CPULIST, List.of(), true));
        }
        return new Item(label, s.title(), out, false, out.isEmpty() ? "no IRQ directories under /proc/irq" : null);
    }

    private static Item service(HostAccess h, PlannedSetting s) throws IOException {
        String label = s.kind() + " " + s.key();
        if (!s.key().equals("irqbalance")) return new Item(label, s.title(), List.of(), false, "services other than irqbalance are left to the user");
        String banned = null;
        for (String tok : s.value().split("\\s+")) {
            if (tok.startsWith("banned=")) banned = tok.substring(7);
        }
        if (banned == null) return new Item(label, s.title(), List.of(), false, "irqbalance: " + s.value() + " (set it with systemctl)");
        String path = h.exists("etc/sysconfig/irqbalance") || (!h.exists("etc/default/irqbalance") && h.exists("etc/redhat-release"))
                ? "etc/sysconfig/irqbalance" : "etc/default/irqbalance";
        String now = h.exists(path) ? Change.text(h.readBytes(path)) : "";
        CpuSet set = CpuSet.parseList(banned);
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("IRQBALANCE_BANNED_CPULIST", set.toList());
        vars.put("IRQBALANCE_BANNED_CPUS", set.toMask(set.last() + 1).replace(",", ""));
        List<Change> changes = new ArrayList<>(parents(h, label, path));
        changes.add(new Change.File(label, path, setShellVars(now, vars).getBytes(StandardCharsets.UTF_8), FILE_MODE));
        return new Item(label, s.title(), changes, false, "irqbalance reads it when it starts: systemctl restart irqbalance");
    }

    /** The file with each variable's last assignment replaced, or appended when it has none. */
    static String setShellVars(String text, Map<String, String> vars) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        for (var e : vars.entrySet()) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                String t = lines.get(i).strip();
                if (t.startsWith("export ")) t = t.substring(7).strip();
                if (t.startsWith(e.getKey() + "=")) at = i;
            }
            String line = e.getKey() + "=\"" + e.getValue() + "\"";
            if (at >= 0) lines.set(at, line);
            else lines.add(line);
        }
        return String.join("\n", lines) + "\n";
    }

    private static Item threadSched(PlannedSetting s, List<ProcessReader.Task> tasks) {
        String label = s.kind() + " " + s.key();
        Pattern name;
        try {
            name = Pattern.compile(s.key());
        } catch (PatternSyntaxException e) {
            throw new BadInputException("plan setting thread-sched '" + s.key() + "': not a regular expression: " + e.getDescription());
        }
        ThreadSchedSetting.Want want = ThreadSchedSetting.Want.parse(s.value(), "plan setting thread-sched '" + s.key() + "'");
        CpuSet only = s.cpus() == null ? null : CpuSet.parseList(s.cpus());
        List<Change> out = new ArrayList<>();
        for (ThreadsReader.KernelThread k : ThreadsReader.read(tasks, CpuSet.EMPTY).kernel()) {
            if (!name.matcher(k.name()).find()) continue;
            if (only != null && (k.boundCpu() < 0 || !only.contains(k.boundCpu()))) continue;
            // Per-CPU threads cannot leave their CPU: only their policy changes.
            CpuSet cpus = k.boundCpu() < 0 ? want.affinity() : null;
            if (want.policy() == null && cpus == null) continue;
            out.add(new Change.Thread(label, k.name() + " (" + k.pid() + ")", k.pid(), k.pid(), want.policy(), Math.max(0, want.priority()), cpus));
        }
        return new Item(label, s.title(), out, false, out.isEmpty() ? "no kernel thread matches" + (only == null ? "" : " on CPUs " + only) : null);
    }

    private static Item vmThread(PlannedSetting s, List<VmFacts> vms) {
        String label = s.kind() + " " + s.key();
        int slash = s.key().lastIndexOf('/');
        String vmName = s.key().substring(0, slash);
        String role = s.key().substring(slash + 1);
        SchedPolicy policy = null;
        int prio = 0;
        CpuSet cpus = null;
        for (String tok : s.value().split("\\s+")) {
            if (tok.startsWith("cpus=")) cpus = CpuSet.parseList(tok.substring(5));
            else if (tok.startsWith("fifo:")) {
                policy = SchedPolicy.FIFO;
                prio = Integer.parseInt(tok.substring(5));
            }
        }
        VmFacts vm = vms.stream().filter(v -> vmName.equals(v.vm().name()) && v.vm().pid() != null).findFirst().orElse(null);
        if (vm == null) {
            return new Item(label, s.title(), List.of(), false, "VM " + vmName + " is not running; the rendered libvirt XML or qemu/"
                    + vmName + "-pin.sh pins it when it starts");
        }
        int pid = vm.vm().pid();
        List<Change> out = new ArrayList<>();
        for (VmThread t : vm.threads()) {
            boolean mine = switch (role) {
                case "vcpus" -> t.role().equals("vcpu");
                case "emulator" -> !t.role().equals("vcpu");
                default -> role.startsWith("vcpu") && t.role().equals("vcpu") && t.vcpu() != null && role.equals("vcpu" + t.vcpu());
            };
            if (!mine) continue;
            // Kernel threads serving the VM (vhost-PID before 6.4, kvm-pit/PID) are processes of their own.
            int owner = "kernel".equals(t.roleFrom()) ? t.tid() : pid;
            out.add(new Change.Thread(label, vmName + " " + t.comm() + " (" + t.tid() + ")", owner, t.tid(), policy, prio, cpus));
        }
        return new Item(label, s.title(), out, false, out.isEmpty() ? "VM " + vmName + " has no " + role + " thread" : null);
    }

    private static Item swap(HostAccess h, PlannedSetting s, Options opt) {
        String label = s.kind() + " " + s.key();
        List<SwapsReader.Swap> active = SwapsReader.read(h.root());
        if (active == null) return new Item(label, s.title(), List.of(), false, SwapsReader.PATH + " is absent: whether swap is on is unknown");
        if (active.isEmpty()) return new Item(label, s.title(), List.of(), false, null);
        String now = active.size() + " swap area(s): " + String.join(", ", active.stream().map(SwapsReader.Swap::filename).toList());
        if (!opt.allowSwapoff()) return new Item(label, s.title(), List.of(), false, now + "; --allow-swapoff turns them off");
        if (!h.live()) return new Item(label, s.title(), List.of(), false, now + "; swapoff runs on the live host only");
        List<List<String>> undo = new ArrayList<>();
        for (SwapsReader.Swap sw : active) undo.add(List.of("swapon", "-p", String.valueOf(sw.priority()), sw.filename()));
        return new Item(label, s.title(), List.of(new Change.Command(label, List.of("swapoff", "-a"), undo, false, now, true)), false,
                "swap stays off until the next boot; remove it from /etc/fstab to keep it off");
    }

    private static List<Item> files(Plan plan, Path planDir, HostAccess h) throws IOException {
        List<Item> out = new ArrayList<>();
        for (String f : plan.files()) {
            String target = null;
            for (var e : INSTALL.entrySet()) {
                if (f.startsWith(e.getKey())) target = e.getValue() + f.substring(e.getKey().length());
            }
            if (target == null) continue;
            Path src = planDir.resolve(f);
            if (!Files.isRegularFile(src)) throw new BadInputException(src + ": listed in plan.json but missing from the plan directory");
            List<Change> changes = new ArrayList<>(parents(h, "file " + f, target));
            changes.add(new Change.File("file " + f, target, SmallFiles.read(src, SmallFiles.PLAN_FILE, "a rendered plan file"), FILE_MODE));
            out.add(new Item("file " + f, "installed as /" + target, changes, false, null));
        }
        return out;
    }

    /** Directories to create on the way to a file, outermost first. */
    private static List<Change> parents(HostAccess h, String label, String path) {
        List<Change> out = new ArrayList<>();
        String dir = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        while (!dir.isEmpty() && !h.isDirectory(dir)) {
            out.add(0, new Change.Dir(label, dir));
            dir = dir.contains("/") ? dir.substring(0, dir.lastIndexOf('/')) : "";
        }
        return out;
    }

    /** The kernel command line into the boot loader's configuration (GRUB's defaults file, or grubby for BLS). */
    private static Item bootLoader(Plan plan, HostAccess h, Options opt) throws IOException {
        Map<String, String> want = KernelCmdlineRenderer.wanted(plan);
        if (want.isEmpty()) return null;
        String label = "boot loader";
        if (h.exists("boot/loader/entries") && !h.root().list("boot/loader/entries").isEmpty()) {
            List<String> add = new ArrayList<>();
            want.forEach((k, v) -> {
                if (v != null) add.add(v.isEmpty() ? k : k + "=" + v);
            });
            List<String> argv = List.of("grubby", "--update-kernel=ALL", "--args=" + String.join(" ", add));
            if (!opt.updateBootloader() || !h.live()) {
                return new Item(label, "BLS entries", List.of(), true, "run: " + String.join(" ", argv) + "  (--update-bootloader runs it)");
            }
            var boot = BootLoaderReader.read(h.root());
            List<String> removeNew = new ArrayList<>();
            List<String> restoreOld = new ArrayList<>();
            for (String k : want.keySet()) {
                var old = boot == null ? java.util.Optional.<dev.kvmtune.facts.kernel.KernelCmdline.Param>empty() : boot.cmdline().last(k);
                if (old.isPresent()) restoreOld.add(old.get().toString());
                else removeNew.add(k);
            }
            List<List<String>> undo = new ArrayList<>();
            if (!removeNew.isEmpty()) undo.add(List.of("grubby", "--update-kernel=ALL", "--remove-args=" + String.join(" ", removeNew)));
            if (!restoreOld.isEmpty()) undo.add(List.of("grubby", "--update-kernel=ALL", "--args=" + String.join(" ", restoreOld)));
            String current = boot == null ? "" : boot.cmdline().raw();
            boolean needed = !KernelCmdlineRenderer.merge(current, want).equals(current);
            return new Item(label, "BLS entries", List.of(new Change.Command(label, argv, undo, false, current, needed)), true, null);
        }
        if (!h.exists(BootLoaderReader.GRUB_DEFAULT)) {
            return new Item(label, "no boot loader configuration", List.of(), true,
                    "neither /etc/default/grub nor BLS entries found: add the parameters of kernel/cmdline.txt by hand");
        }
        String text = Change.text(h.readBytes(BootLoaderReader.GRUB_DEFAULT));
        String edited = GrubDefaults.edit(text, want, BootLoaderReader.GRUB_DEFAULT);
        List<Change> changes = new ArrayList<>();
        changes.add(new Change.File(label, BootLoaderReader.GRUB_DEFAULT, edited.getBytes(StandardCharsets.UTF_8), h.mode(BootLoaderReader.GRUB_DEFAULT)));
        List<String> regen = h.exists("usr/sbin/update-grub") ? List.of("update-grub")
                : h.exists("boot/grub2") ? List.of("grub2-mkconfig", "-o", "/boot/grub2/grub.cfg") : List.of("grub-mkconfig", "-o", "/boot/grub/grub.cfg");
        String note = "then: " + String.join(" ", regen) + " and a reboot  (--update-bootloader runs it)";
        if (opt.updateBootloader() && h.live() && !edited.equals(text)) {
            changes.add(new Change.Command(label, regen, List.of(regen), true, "", true));
            note = "a reboot puts it in effect";
        }
        return new Item(label, "/" + BootLoaderReader.GRUB_DEFAULT, changes, true, note);
    }
}
