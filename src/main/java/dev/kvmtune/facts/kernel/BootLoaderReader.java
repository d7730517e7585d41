package dev.kvmtune.facts.kernel;

import dev.kvmtune.facts.source.Root;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the command line the boot loader will pass at the next boot, so that a parameter present
 * there but not in {@code proc/cmdline} is "pending reboot" rather than "missing". Sources, first
 * readable wins: BLS entries ({@code boot/loader/entries/*.conf}, "options" lines, the
 * Boot Loader Specification used by Fedora/RHEL), then {@code etc/default/grub}
 * (GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, Debian/Ubuntu). Other files are shown as
 * not understood, never guessed at.
 */
public final class BootLoaderReader {
    public static final String GRUB_DEFAULT = "etc/default/grub";
    public static final String BLS_DIR = "boot/loader/entries";

    /** What the boot loader is configured with; {@code source} names the file and the variable or entry. */
    public record BootLoader(String kind, String source, KernelCmdline cmdline) {
    }

    private BootLoaderReader() {
    }

    public static BootLoader read(Root root) {
        for (String entry : root.list(BLS_DIR)) {
            if (!entry.endsWith(".conf")) continue;
            String path = BLS_DIR + "/" + entry;
            var text = root.read(path);
            if (text.isEmpty()) continue;
            String options = parseBlsOptions(text.get());
            if (options != null) return new BootLoader("bls", path, KernelCmdline.parse(options));
        }
        var grub = root.read(GRUB_DEFAULT);
        if (grub.isPresent()) {
            String line = parseGrubDefault(grub.get());
            return new BootLoader("grub", GRUB_DEFAULT, KernelCmdline.parse(line));
        }
        return null;
    }

    /** The "options" line(s) of a BLS entry, joined; null when there is none. */
    static String parseBlsOptions(String text) {
        List<String> opts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.startsWith("options ") || t.startsWith("options\t")) opts.add(t.substring(8).strip());
        }
        return opts.isEmpty() ? null : String.join(" ", opts);
    }

    /**
     * GRUB_CMDLINE_LINUX then GRUB_CMDLINE_LINUX_DEFAULT, as grub-mkconfig joins them for the
     * normal boot entry. The file is shell: quotes are removed, {@code $VAR} references to the
     * other variable are expanded, later assignments win.
     */
    static String parseGrubDefault(String text) {
        String linux = "";
        String def = "";
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.startsWith("export ")) t = t.substring(7).strip();
            if (t.startsWith("GRUB_CMDLINE_LINUX=")) {
                linux = shellValue(t.substring("GRUB_CMDLINE_LINUX=".length()), linux, def);
            } else if (t.startsWith("GRUB_CMDLINE_LINUX_DEFAULT=")) {
                def = shellValue(t.substring("GRUB_CMDLINE_LINUX_DEFAULT=".length()), linux, def);
            }
        }
        return (linux + " " + def).strip();
    }

    /** A shell assignment's value with quotes removed and $GRUB_CMDLINE_LINUX(_DEFAULT) expanded. */
    public static String shellValue(String v, String linux, String def) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && c == '#') {
                break;
            } else if (quote == 0 && Character.isWhitespace(c)) {
                break;
            } else if (c == '$' && quote != '\'') {
                String rest = v.substring(i + 1);
                String name;
                int skip;
                if (rest.startsWith("{")) {
                    int close = rest.indexOf('}');
                    name = close < 0 ? rest.substring(1) : rest.substring(1, close);
                    skip = close < 0 ? rest.length() : close + 1;
                } else {
                    int k = 0;
                    while (k < rest.length() && (Character.isLetterOrDigit(rest.charAt(k)) || rest.charAt(k) == '_')) k++;
                    name = rest.substring(0, k);
                    skip = k;
                }
                if (name.equals("GRUB_CMDLINE_LINUX")) out.append(linux);
                else if (name.equals("GRUB_CMDLINE_LINUX_DEFAULT")) out.append(def);
                i += skip;
            } else if (c == '\\' && quote != '\'' && i + 1 < v.length()) {
                out.append(v.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
