package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.source.Root;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune mem}: memory per process or per user as smem counts it, with what smem leaves out (hugetlb). */
@Command(name = "mem", mixinStandardHelpOptions = true,
        description = {"Show memory per process (or per user) as smem counts it: swap, USS (what the process alone holds), PSS",
            "(shared pages shared out), RSS; and the hugetlb memory of hugepage-backed VMs, which the kernel counts in",
            "none of those. Read from /proc/PID/smaps_rollup; --cheap reads only /proc/PID/status (RSS, swap, hugetlb:",
            "no PSS or USS, and no mmap lock taken). Kernel threads are left out, as smem leaves them out.",
            "",
            "Examples:",
            "  kvmtune mem",
            "  kvmtune mem --by user --format json",
            "  kvmtune mem --filter-process qemu --sort rss"})
public final class MemCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--by", paramLabel = "VIEW", defaultValue = "process", description = "process or user (default: ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--sort", paramLabel = "COL", defaultValue = "pss", description = "swap, uss, pss, rss, hugetlb or pid (default: ${DEFAULT-VALUE}).")
    String sort;

    @Option(names = "--filter-process", paramLabel = "RE", description = "Only processes whose command line matches this regular expression.")
    String filter;

    @Option(names = "--cheap", description = "Read /proc/PID/status only: RSS, swap and hugetlb, without PSS and USS.")
    boolean cheap;

    /** A row: a process, or a user's processes added up; what a row does not have is left out of the JSON. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Row(String name, Integer pid, Integer processes, Long swapKb, Long ussKb, Long pssKb, Long rssKb, Long hugetlbKb) {
    }

    @Override
    public Integer call() {
        Map<String, Function<Row, Long>> keys = new LinkedHashMap<>();
        keys.put("swap", Row::swapKb);
        keys.put("uss", Row::ussKb);
        keys.put("pss", Row::pssKb);
        keys.put("rss", Row::rssKb);
        keys.put("hugetlb", Row::hugetlbKb);
        keys.put("pid", r -> r.pid() == null ? null : (long) r.pid());
        Function<Row, Long> key = keys.get(sort.toLowerCase(Locale.ROOT));
        if (key == null) throw new BadInputException("--sort takes " + String.join(", ", keys.keySet()) + ", not " + sort);
        if (!by.equals("process") && !by.equals("user")) throw new BadInputException("--by takes process or user, not " + by);
        Pattern only = null;
        try {
            if (filter != null) only = Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new BadInputException("--filter-process: not a regular expression: " + e.getDescription());
        }
        List<ProcessMemory> procs;
        try (Root root = parent.openRoot()) {
            procs = ProcessMemory.read(root, cheap);
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Row> perUser = new LinkedHashMap<>();
        for (ProcessMemory p : procs) {
            if (only != null && !only.matcher(p.command()).find()) continue;
            Long huge = p.hugetlbKb();
            if (by.equals("process")) {
                rows.add(new Row(p.command(), p.pid(), null, p.swapKb(), p.ussKb(), p.pssKb(), p.rssKb(), huge));
            } else {
                String u = p.user() == null ? "?" : p.user();
                Row was = perUser.get(u);
                perUser.put(u, was == null ? new Row(u, null, 1, p.swapKb(), p.ussKb(), p.pssKb(), p.rssKb(), huge)
                        : new Row(u, null, was.processes() + 1, add(was.swapKb(), p.swapKb()), add(was.ussKb(), p.ussKb()),
                        add(was.pssKb(), p.pssKb()), add(was.rssKb(), p.rssKb()), add(was.hugetlbKb(), huge)));
            }
        }
        rows.addAll(perUser.values());
        // largest first; a value the source does not give sorts last
        rows.sort(Comparator.comparing(key, Comparator.nullsFirst(Comparator.<Long>naturalOrder())).reversed());
        PrintWriter out = spec.commandLine().getOut();
        Formatted.print(out, parent.format, () -> rows, () -> text(rows, by.equals("user")));
        out.flush();
        return ExitCodes.OK;
    }

    private static Long add(Long a, Long b) {
        return a == null || b == null ? null : a + b;
    }

    static String text(List<Row> rows, boolean users) {
        StringBuilder sb = new StringBuilder();
        sb.append(users ? String.format("%-16s %6s" , "User", "Count") : String.format("%8s %-40s", "PID", "Command"))
                .append(String.format(" %10s %10s %10s %10s %10s%n", "Swap", "USS", "PSS", "RSS", "Hugetlb"));
        for (Row r : rows) {
            String name = r.name().length() > 40 ? r.name().substring(0, 39) + "…" : r.name();
            sb.append(users ? String.format("%-16s %6d", name, r.processes()) : String.format("%8d %-40s", r.pid(), dev.kvmtune.util.Printable.line(name)))
                    .append(String.format(" %10s %10s %10s %10s %10s%n", kb(r.swapKb()), kb(r.ussKb()), kb(r.pssKb()), kb(r.rssKb()), kb(r.hugetlbKb())));
        }
        sb.append("sizes in kB; '-' where the source does not give it").append('\n');
        return sb.toString();
    }

    private static String kb(Long v) {
        return v == null ? "-" : Long.toString(v);
    }
}
