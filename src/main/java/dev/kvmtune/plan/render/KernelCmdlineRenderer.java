package dev.kvmtune.plan.render;

import dev.kvmtune.facts.kernel.KernelCmdline;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlannedSetting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel command line: which parameters to add or change, the boot loader's line with them
 * merged in (each parameter once, in place when it was there, appended otherwise, init arguments
 * after {@code --} kept last), and how to install it with grubby, update-grub or grub2-mkconfig.
 */
public final class KernelCmdlineRenderer {
    public static final String PATH = "kernel/cmdline.txt";
    /** x86 COMMAND_LINE_SIZE: the kernel truncates a longer line. */
    static final int COMMAND_LINE_SIZE = 2048;
    /** grubenv is one 1024-byte block; BLS systems keep the line there as kernelopts=. */
    static final int GRUBENV_BYTES = 1024;
    static final String GRUBENV_HEADER = "# GRUB Environment Block\n";

    private KernelCmdlineRenderer() {
    }

    /** Parameters the plan sets, in plan order, last value winning. */
    public static Map<String, String> wanted(Plan plan) {
        Map<String, String> want = new LinkedHashMap<>();
        for (PlannedSetting s : plan.settings("cmdline")) {
            if (s.value().equals("absent")) want.put(s.key(), null);
            else want.put(s.key(), s.value().equals("present") ? "" : s.value());
        }
        return want;
    }

    /** The line with the wanted parameters merged in; {@code null} values remove a parameter. */
    public static String merge(String line, Map<String, String> want) {
        KernelCmdline current = KernelCmdline.parse(line == null ? "" : line);
        List<String> out = new ArrayList<>();
        Map<String, String> pending = new LinkedHashMap<>(want);
        for (KernelCmdline.Param p : current.params()) {
            if (!want.containsKey(p.name())) {
                out.add(p.toString());
            } else if (pending.containsKey(p.name())) {
                String v = pending.remove(p.name());
                if (v != null) out.add(param(p.name(), v));
            }
        }
        pending.forEach((k, v) -> {
            if (v != null) out.add(param(k, v));
        });
        if (!current.initArgs().isEmpty()) {
            out.add("--");
            out.addAll(current.initArgs());
        }
        return String.join(" ", out);
    }

    private static String param(String k, String v) {
        if (v.isEmpty()) return k;
        return k + "=" + (v.contains(" ") ? "\"" + v + "\"" : v);
    }

    public static List<RenderedFile> render(Plan plan) {
        Map<String, String> want = wanted(plan);
        if (want.isEmpty()) return List.of();
        Plan.HostSummary h = plan.host();
        String base = h.bootCmdline() != null ? h.bootCmdline() : h.cmdline();
        String baseName = h.bootCmdline() != null ? h.bootSource() : "proc/cmdline";
        KernelCmdline current = KernelCmdline.parse(base == null ? "" : base);
        StringBuilder sb = new StringBuilder(Header.lines("#", plan, "Kernel command line. Takes effect after a reboot."));
        sb.append("\n# Parameters, compared with ").append(baseName).append(":\n");
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        want.forEach((k, v) -> {
            var now = current.last(k);
            if (v == null) {
                if (now.isPresent()) {
                    sb.append("remove  ").append(k).append('\n');
                    remove.add(k);
                }
            } else if (now.isEmpty()) {
                sb.append("add     ").append(param(k, v)).append('\n');
                add.add(param(k, v));
            } else if (!now.get().equals(v) || current.all(k).size() > 1) {
                sb.append("change  ").append(param(k, now.get())).append(" -> ").append(param(k, v)).append('\n');
                add.add(param(k, v));
                remove.add(k);
            } else {
                sb.append("keep    ").append(param(k, v)).append('\n');
            }
        });
        String merged = merge(base, want);
        sb.append("\n# The whole line after the change (").append(merged.length()).append(" characters):\n").append(merged).append('\n');
        if (merged.length() >= COMMAND_LINE_SIZE) {
            sb.append("\n# WARNING: the line is ").append(merged.length()).append(" characters; the x86 kernel keeps only ")
                    .append(COMMAND_LINE_SIZE - 1).append(" and silently drops the rest.\n");
        }
        int grubenv = GRUBENV_BYTES - GRUBENV_HEADER.length() - "kernelopts=\n".length();
        if (merged.length() > grubenv) {
            sb.append("\n# WARNING: the line is longer than the ").append(grubenv).append(" characters that fit in grubenv's ")
                    .append(GRUBENV_BYTES).append("-byte block as kernelopts=; grub2-editenv and grubby on BLS systems that keep the line\n")
                    .append("# in grubenv will fail. Shorten it, for example with CPU ranges, or keep it in /etc/default/grub.\n");
        }
        String addArgs = String.join(" ", add);
        sb.append("\n# Install it. ").append("bls".equals(h.bootLoader()) ? "This host boots BLS entries, so grubby comes first."
                : "grub".equals(h.bootLoader()) ? "This host has /etc/default/grub." : "No boot-loader configuration was readable.").append('\n');
        List<String> grubby = new ArrayList<>();
        grubby.add("# Fedora, RHEL, CentOS Stream (BLS entries, grubby):");
        if (!remove.isEmpty()) grubby.add("grubby --update-kernel=ALL --remove-args=\"" + String.join(" ", remove) + "\"");
        if (!addArgs.isEmpty()) grubby.add("grubby --update-kernel=ALL --args=\"" + addArgs + "\"");
        List<String> debian = List.of("# Debian, Ubuntu: set GRUB_CMDLINE_LINUX in /etc/default/grub to the parameters above, then",
                "update-grub");
        List<String> suse = List.of("# SUSE, Arch and others with /etc/default/grub: the same edit, then",
                "grub2-mkconfig -o /boot/grub2/grub.cfg    # or grub-mkconfig -o /boot/grub/grub.cfg");
        List<List<String>> order = "bls".equals(h.bootLoader()) ? List.of(grubby, debian, suse) : List.of(debian, grubby, suse);
        for (List<String> block : order) {
            for (String l : block) sb.append(l.startsWith("#") ? l : "#   " + l).append('\n');
        }
        sb.append("# then reboot, and check: kvmtune audit --profile ").append(plan.profile()).append('\n');
        return List.of(RenderedFile.text(PATH, sb.toString()));
    }
}
