package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import java.util.List;

/**
 * Whether irqbalance runs, and which CPUs it is told to leave alone. irqbalance(1) reads
 * IRQBALANCE_BANNED_CPULIST (a list) or the older IRQBALANCE_BANNED_CPUS (a mask) from its
 * environment, which the service takes from {@code etc/default/irqbalance} (Debian) or
 * {@code etc/sysconfig/irqbalance} (Fedora/RHEL). The running process's environment wins when
 * readable; since 1.8 irqbalance also skips isolcpus and nohz_full CPUs on its own.
 */
public final class IrqbalanceReader {
    public static final List<String> CONFIG_FILES = List.of("etc/default/irqbalance", "etc/sysconfig/irqbalance");

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Irqbalance(boolean running, Integer pid, CpuSet bannedCpus, String bannedSource, String configSource) {
    }

    private IrqbalanceReader() {
    }

    /** @param threads every thread on the host, as {@link ProcessReader#allThreads} gives them */
    public static Irqbalance read(Root root, List<ProcessReader.Task> threads) {
        Integer pid = null;
        for (ProcessReader.Task t : threads) {
            if (t.pid() == t.tid() && !t.kernelThread() && t.comm().equals("irqbalance")) {
                pid = t.pid();
                break;
            }
        }
        CpuSet banned = null;
        String bannedSource = null;
        if (pid != null) {
            var env = root.read("proc/" + pid + "/environ");
            if (env.isPresent()) {
                banned = parseBanned(env.get().split("\0"));
                if (banned != null) bannedSource = "proc/" + pid + "/environ";
            }
        }
        String configSource = null;
        for (String f : CONFIG_FILES) {
            var text = root.read(f);
            if (text.isEmpty()) continue;
            configSource = f;
            if (banned == null) {
                banned = parseBanned(text.get().split("\n"));
                if (banned != null) bannedSource = f;
            }
            break;
        }
        return new Irqbalance(pid != null, pid, banned, bannedSource, configSource);
    }

    /** Finds the banned-CPU variable among shell assignments or environment entries. */
    static CpuSet parseBanned(String[] lines) {
        String list = null;
        String mask = null;
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("#")) continue;
            if (t.startsWith("export ")) t = t.substring(7).strip();
            if (t.startsWith("IRQBALANCE_BANNED_CPULIST=")) list = unquote(t.substring(26));
            else if (t.startsWith("IRQBALANCE_BANNED_CPUS=")) mask = unquote(t.substring(23));
        }
        try {
            if (list != null && !list.isBlank()) return CpuSet.parseList(list);
            if (mask != null && !mask.isBlank()) return CpuSet.parseMask(mask);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    private static String unquote(String v) {
        String s = v.strip();
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
