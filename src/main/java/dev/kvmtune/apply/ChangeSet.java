package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.kernel.BootLoaderReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import dev.kvmtune.plan.render.KernelCmdlineRenderer;
import dev.kvmtune.settings.Applied;
import dev.kvmtune.settings.ApplyContext;
import dev.kvmtune.settings.Changes;
import dev.kvmtune.settings.Desired;
import dev.kvmtune.settings.SettingKinds;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What applying a plan means on one host: for each plan setting, the changes its kind makes to
 * make it true now, or why there are none ({@link SettingKinds#APPLIED}: the same class that audits
 * the kind), then the persistent files that keep it across reboots and the kernel command line in
 * the boot loader. Runtime changes come first, so that a setting the kernel refuses (hugepages it
 * cannot find) fails before any file is touched.
 */
public final class ChangeSet {

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

    private final List<Changes> items;
    private final List<String> notes;

    private ChangeSet(List<Changes> items, List<String> notes) {
        this.items = List.copyOf(items);
        this.notes = List.copyOf(notes);
    }

    public List<Changes> items() {
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
        List<Changes> items = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<ProcessReader.Task> tasks = ProcessReader.allThreads(h.root());
        Supplier<List<VmFacts>> vms = ApplyContext.once(() -> VmDiscovery.discover(h.root(), tasks));
        ApplyContext ctx = new ApplyContext(h, plan.host().cpus(), tasks, vms, opt.allowSwapoff());
        List<String> cmdline = new ArrayList<>();
        for (PlannedSetting s : plan.settings()) {
            Desired d = new Desired(s.kind(), s.key(), s.value(), s.cpus(), s.title());
            Applied kind = SettingKinds.APPLIED.get(s.kind());
            if (kind == null) {
                items.add(new Changes(d.label(), s.title(), List.of(), false, "kind " + s.kind() + " is not applied by this version"));
                continue;
            }
            // kernel command line parameters go to the boot loader together, after the files
            String boot = kind.bootParameter(d);
            if (boot != null) cmdline.add(boot);
            else items.add(kind.changes(d, ctx));
        }
        if (!cmdline.isEmpty()) {
            items.add(new Changes("cmdline", "kernel command line", List.of(), true, String.join(" ", cmdline)
                    + ": written to the boot loader (below), in effect after a reboot"));
        }
        if (planDir == null || plan.files().isEmpty()) {
            notes.add("no rendered files beside the plan: only runtime settings are applied; 'kvmtune plan --out DIR' writes them");
        } else {
            items.addAll(files(plan, planDir, h));
            Changes boot = bootLoader(plan, h, opt);
            if (boot != null) items.add(boot);
        }
        return new ChangeSet(items, notes);
    }

    private static List<Changes> files(Plan plan, Path planDir, HostAccess h) throws IOException {
        List<Changes> out = new ArrayList<>();
        for (String f : plan.files()) {
            String target = null;
            for (var e : INSTALL.entrySet()) {
                if (f.startsWith(e.getKey())) target = e.getValue() + f.substring(e.getKey().length());
            }
            if (target == null) continue;
            Path src = planDir.resolve(f);
            if (!Files.isRegularFile(src)) throw new BadInputException(src + ": listed in plan.json but missing from the plan directory");
            List<Change> changes = new ArrayList<>(Change.Dir.parents(h, "file " + f, target));
            changes.add(new Change.File("file " + f, target, SmallFiles.read(src, SmallFiles.PLAN_FILE, "a rendered plan file"), Change.FILE_MODE));
            out.add(new Changes("file " + f, "installed as /" + target, changes, false, null));
        }
        return out;
    }

    /** The kernel command line into the boot loader's configuration (GRUB's defaults file, or grubby for BLS). */
    private static Changes bootLoader(Plan plan, HostAccess h, Options opt) throws IOException {
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
                return new Changes(label, "BLS entries", List.of(), true, "run: " + String.join(" ", argv) + "  (--update-bootloader runs it)");
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
            return new Changes(label, "BLS entries", List.of(new Change.Command(label, argv, undo, false, current, needed)), true, null);
        }
        if (!h.exists(BootLoaderReader.GRUB_DEFAULT)) {
            return new Changes(label, "no boot loader configuration", List.of(), true,
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
        return new Changes(label, "/" + BootLoaderReader.GRUB_DEFAULT, changes, true, note);
    }
}
