package dev.kvmtune.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvmtune.plan.render.KernelCmdlineRenderer;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test helper for the plan's round trip: writes a plan's settings into an extracted fixture tree
 * in the form the kernel shows them (a sysctl under proc/sys, a selection file with the choice
 * bracketed, IRQ masks and lists, a kernel thread's policy and priority in its stat line, the
 * merged command line in proc/cmdline), and installs the rendered irqbalance file where the
 * service reads it.
 */
final class PlanApplier {
    private PlanApplier() {
    }

    static void applyToTree(JsonNode plan, Path tree, Path rendered) throws IOException {
        Map<String, String> cmdline = new LinkedHashMap<>();
        int cpus = plan.get("host").get("cpus").asInt();
        for (JsonNode s : plan.get("settings")) {
            String kind = s.get("kind").asText();
            String key = s.get("key").asText();
            String value = s.get("value").asText();
            switch (kind) {
                case "cmdline" -> cmdline.put(key, value.equals("absent") ? null : value.equals("present") ? "" : value);
                case "sysctl" -> put(tree, "proc/sys/" + key.replace('.', '/'), value);
                case "sysfs" -> {
                    Path f = tree.resolve(key);
                    if (Files.exists(f) && Files.readString(f).contains("[")) {
                        String options = Files.readString(f).strip().replace("[", "").replace("]", "");
                        put(tree, key, (" " + options + " ").replace(" " + value + " ", " [" + value + "] ").strip());
                    } else {
                        put(tree, key, value);
                    }
                }
                case "module-param" -> {
                    String module = key.substring(0, key.indexOf('.'));
                    if (Files.isDirectory(tree.resolve("sys/module/" + module))) {
                        put(tree, "sys/module/" + module + "/parameters/" + key.substring(key.indexOf('.') + 1), value);
                    }
                }
                case "irq-affinity" -> {
                    CpuSet set = CpuSet.parseList(value);
                    if (key.equals("default")) {
                        put(tree, "proc/irq/default_smp_affinity", set.toMask(cpus));
                    } else {
                        try (Stream<Path> irqs = Files.list(tree.resolve("proc/irq"))) {
                            for (Path d : irqs.filter(Files::isDirectory).toList()) {
                                if (Files.exists(d.resolve("smp_affinity_list"))) {
                                    Files.writeString(d.resolve("smp_affinity_list"), set.toList() + "\n");
                                    Files.writeString(d.resolve("smp_affinity"), set.toMask(cpus) + "\n");
                                }
                                if (Files.exists(d.resolve("effective_affinity_list"))) {
                                    Files.writeString(d.resolve("effective_affinity_list"), set.first() + "\n");
                                }
                            }
                        }
                    }
                }
                case "thread-sched" -> threadSched(tree, key, value, s.hasNonNull("cpus") ? CpuSet.parseList(s.get("cpus").asText()) : null);
                case "service" -> Files.copy(rendered.resolve("irqbalance/irqbalance.env"), mkdirs(tree.resolve("etc/default/irqbalance")),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                default -> {
                }
            }
        }
        String line = Files.readString(tree.resolve("proc/cmdline")).strip();
        put(tree, "proc/cmdline", KernelCmdlineRenderer.merge(line, cmdline));
    }

    private static final Pattern BOUND = Pattern.compile("/(\\d+)$");

    /** Rewrites fields 40 (rt_priority) and 41 (policy) of each matching kernel thread's stat line. */
    private static void threadSched(Path tree, String regex, String value, CpuSet only) throws IOException {
        Pattern name = Pattern.compile(regex);
        String[] want = value.split(":");
        int policy = switch (want[0]) {
            case "fifo" -> 1;
            case "rr" -> 2;
            default -> 0;
        };
        int prio = want.length > 1 ? Integer.parseInt(want[1]) : 0;
        try (Stream<Path> s = Files.find(tree.resolve("proc"), 4, (p, a) -> p.getFileName().toString().equals("stat") && a.isRegularFile())) {
            for (Path stat : s.toList()) {
                String text = Files.readString(stat, StandardCharsets.UTF_8).strip();
                int open = text.indexOf('(');
                int close = text.lastIndexOf(')');
                if (open < 0 || close < 0) continue;
                String comm = text.substring(open + 1, close);
                if (!name.matcher(comm).find()) continue;
                Matcher m = BOUND.matcher(comm);
                if (only != null && (!m.find() || !only.contains(Integer.parseInt(m.group(1))))) continue;
                String[] rest = text.substring(close + 2).split(" ");
                rest[37] = String.valueOf(prio);
                rest[38] = String.valueOf(policy);
                Files.writeString(stat, text.substring(0, close + 2) + String.join(" ", rest) + "\n");
            }
        }
    }

    private static void put(Path tree, String rel, String value) throws IOException {
        Files.writeString(mkdirs(tree.resolve(rel)), value + "\n");
    }

    private static Path mkdirs(Path f) throws IOException {
        Files.createDirectories(f.getParent());
        return f;
    }
}
