package dev.kvmtune.facts.cpu;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.kernel.KernelCmdline;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.source.Sourced;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU isolation as the kernel reports it ({@code sys/devices/system/cpu/isolated} and
 * {@code nohz_full}, Documentation/ABI/testing/sysfs-devices-system-cpu) and as the command line
 * asked for it (isolcpus with its flags, nohz_full, rcu_nocbs, irqaffinity;
 * Documentation/admin-guide/kernel-parameters.txt). Both are kept, because they differ when the
 * kernel rejected or ignored part of the request.
 */
public final class IsolationReader {
    public static final String ISOLATED = "sys/devices/system/cpu/isolated";
    public static final String NOHZ_FULL = "sys/devices/system/cpu/nohz_full";

    /** A CPU list parameter from the command line; {@code error} when it did not parse. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requested(String raw, CpuSet cpus, List<String> flags, String error) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Isolation(Sourced<CpuSet> isolated, Sourced<CpuSet> nohzFull,
                            Requested isolcpus, Requested nohzFullParam, Requested rcuNocbs, Requested irqaffinity) {
        /** The CPUs the running kernel isolates: isolated ∪ nohz_full. */
        public CpuSet kernelIsolated() {
            return isolated.orElse(CpuSet.EMPTY).union(nohzFull.orElse(CpuSet.EMPTY));
        }
    }

    private IsolationReader() {
    }

    public static Isolation read(Root root, KernelCmdline cmdline, int lastCpu) {
        // the kernel prints "(null)" in nohz_full when it is not set on some versions
        Sourced<CpuSet> nohz = Sourced.read(root, NOHZ_FULL, s -> s.equals("(null)") ? CpuSet.EMPTY : CpuSet.parseList(s));
        Sourced<CpuSet> isolated = Sourced.read(root, ISOLATED, CpuSet::parseList);
        KernelCmdline c = cmdline == null ? KernelCmdline.parse("") : cmdline;
        return new Isolation(isolated, nohz,
                requested(c, "isolcpus", lastCpu, true),
                requested(c, "nohz_full", lastCpu, false),
                requested(c, "rcu_nocbs", lastCpu, false),
                requested(c, "irqaffinity", lastCpu, false));
    }

    /** What the running kernel isolates: sysfs isolated ∪ nohz_full; empty when neither is readable. */
    public static CpuSet kernelIsolated(Root root) {
        return read(root, null, -1).kernelIsolated();
    }

    /** The leading flags of an isolcpus value ({@code nohz,domain,managed_irq,2-5} gives the three words). */
    public static List<String> isolcpusFlags(String raw) {
        List<String> flags = new ArrayList<>();
        for (String part : raw.split(",")) {
            if (part.isEmpty() || !Character.isLetter(part.charAt(0)) || part.equals("N") || part.equals("all")) break;
            flags.add(part);
        }
        return flags;
    }

    /** The CPU list of an isolcpus value, without its leading flags. */
    public static String isolcpusList(String raw) {
        List<String> parts = List.of(raw.split(","));
        return String.join(",", parts.subList(Math.min(parts.size(), isolcpusFlags(raw).size()), parts.size()));
    }

    /**
     * Parses {@code isolcpus=[flag,...,]cpulist} (flags: nohz, domain, managed_irq) or a plain CPU
     * list parameter. The last occurrence wins, as the kernel's __setup handlers overwrite.
     */
    static Requested requested(KernelCmdline c, String name, int lastCpu, boolean hasFlags) {
        var v = c.last(name);
        if (v.isEmpty()) return null;
        String raw = v.get();
        List<String> flags = hasFlags ? isolcpusFlags(raw) : List.of();
        String list = hasFlags ? isolcpusList(raw) : raw;
        try {
            return new Requested(raw, CpuSet.parseList(list, lastCpu), flags, null);
        } catch (IllegalArgumentException e) {
            return new Requested(raw, null, flags, e.getMessage());
        }
    }
}
