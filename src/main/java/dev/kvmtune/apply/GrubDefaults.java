package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.kernel.BootLoaderReader;
import dev.kvmtune.plan.render.KernelCmdlineRenderer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Edits {@code /etc/default/grub}: the wanted parameters go into GRUB_CMDLINE_LINUX (every boot
 * entry, recovery too) and leave GRUB_CMDLINE_LINUX_DEFAULT, so that each parameter appears once
 * on the line grub-mkconfig builds from the two. Only each variable's last assignment changes;
 * comments and every other line stay as they were.
 */
final class GrubDefaults {
    static final String LINUX = "GRUB_CMDLINE_LINUX";
    static final String DEFAULT = "GRUB_CMDLINE_LINUX_DEFAULT";

    private GrubDefaults() {
    }

    static String edit(String text, Map<String, String> want, String file) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        boolean finalNewline = text.endsWith("\n");
        if (finalNewline) lines.remove(lines.size() - 1);
        int linuxAt = last(lines, LINUX);
        int defAt = last(lines, DEFAULT);
        String linux = linuxAt < 0 ? "" : value(lines.get(linuxAt), LINUX, file, linuxAt);
        String def = defAt < 0 ? "" : value(lines.get(defAt), DEFAULT, file, defAt);
        String newLinux = KernelCmdlineRenderer.merge(linux, want);
        Map<String, String> drop = new LinkedHashMap<>();
        for (String k : want.keySet()) drop.put(k, null);
        String newDef = KernelCmdlineRenderer.merge(def, drop);
        if (!newLinux.equals(linux)) {
            String line = prefix(linuxAt < 0 ? "" : lines.get(linuxAt)) + LINUX + "=\"" + newLinux + "\"";
            if (linuxAt < 0) lines.add(line);
            else lines.set(linuxAt, line);
        }
        if (defAt >= 0 && !newDef.equals(def)) lines.set(defAt, prefix(lines.get(defAt)) + DEFAULT + "=\"" + newDef + "\"");
        return String.join("\n", lines) + (finalNewline || linuxAt < 0 ? "\n" : "");
    }

    private static int last(List<String> lines, String var) {
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (strip(lines.get(i)).startsWith(var + "=")) at = i;
        }
        return at;
    }

    private static String strip(String line) {
        String t = line.strip();
        return t.startsWith("export ") ? t.substring(7).strip() : t;
    }

    private static String prefix(String line) {
        return line.strip().startsWith("export ") ? "export " : "";
    }

    /** The assigned value; one that is computed by the shell (other variables, commands) is left to a person. */
    private static String value(String line, String var, String file, int index) {
        String raw = strip(line).substring(var.length() + 1);
        String unquoted = raw.replace("$" + LINUX, "").replace("${" + LINUX + "}", "");
        if (unquoted.contains("$") || unquoted.contains("`")) {
            throw new BadInputException("/" + file + ":" + (index + 1) + ": " + var + " is computed by the shell; add the parameters by hand");
        }
        if (!raw.equals(unquoted)) {
            throw new BadInputException("/" + file + ":" + (index + 1) + ": " + var + " refers to " + LINUX + "; add the parameters by hand");
        }
        return BootLoaderReader.shellValue(raw, "", "");
    }
}
