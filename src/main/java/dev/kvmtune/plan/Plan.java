package dev.kvmtune.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The plan: one immutable value that apply consumes and the renderers draw from. Its JSON is
 * versioned by {@code schema} (docs/plan-json.md).
 *
 * @param profile  the profile the settings come from
 * @param root     the host it was planned for ({@code /}, a directory or a snapshot)
 * @param host     facts the renderers need that are not in the partition
 * @param settings in profile order, then the partition's own (hugepages, VM threads)
 * @param files    what the renderers wrote, relative to --out, in order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"schema", "profile", "root", "host", "partition", "settings", "files", "notes"})
public record Plan(int schema, String profile, String root, HostSummary host, Partition partition, List<PlannedSetting> settings,
                   List<String> files, List<String> notes) {
    public static final int SCHEMA = 1;

    public Plan {
        settings = List.copyOf(settings);
        files = List.copyOf(files);
        notes = List.copyOf(notes);
    }

    /**
     * @param vendor      GenuineIntel / AuthenticAMD, null when unknown
     * @param kernel      running kernel release
     * @param cmdline     the running kernel command line
     * @param bootLoader  grub (etc/default/grub), bls (boot/loader/entries) or null
     * @param bootCmdline the command line the boot loader is configured with, or null
     * @param bootSource  the file that line came from
     * @param cpus        possible CPUs (the width of CPU masks)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HostSummary(String vendor, String arch, String kernel, String cmdline, String bootLoader, String bootCmdline, String bootSource,
                              int cpus) {
    }

    public Plan withFiles(List<String> written) {
        return new Plan(schema, profile, root, host, partition, settings, written, notes);
    }

    public List<PlannedSetting> settings(String kind) {
        return settings.stream().filter(s -> s.kind().equals(kind)).toList();
    }
}
