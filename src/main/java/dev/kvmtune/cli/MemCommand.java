package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.memory.MemColumn;
import dev.kvmtune.facts.memory.ProcessMemory;
import dev.kvmtune.facts.memory.ProcessMemoryReader;
import dev.kvmtune.facts.memory.ProcessMemoryReader.Depth;
import dev.kvmtune.facts.memory.Smaps;
import dev.kvmtune.facts.memory.SystemMemory;
import dev.kvmtune.facts.memory.VmMemory;
import dev.kvmtune.facts.numa.NumaNode;
import dev.kvmtune.facts.numa.NumaReader;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmDiscovery;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.memory.MemChart;
import dev.kvmtune.memory.MemTable;
import dev.kvmtune.memory.MemViews;
import dev.kvmtune.util.Numbers;
import dev.kvmtune.util.OutputFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune mem}: memory per process, user, mapping, VM, NUMA node or area, as smem counts it and beyond. */
@Command(name = "mem", addMethodSubcommands = false, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show memory as smem counts it: swap, USS (what a process alone holds), PSS (shared pages shared",
            "out), RSS; and what smem cannot see on a KVM host: the hugetlb memory of hugepage-backed VMs (in none of",
            "RSS, PSS, USS), KSM merging, and whether a VM's memory sits on the NUMA node of its vCPUs.",
            "Views: process (default), user, mapping (smem -m), vm, node, system (smem -w). Read from",
            "/proc/PID/smaps_rollup (full smaps for the mapping view); --cheap reads only /proc/PID/status.",
            "No process holds the reading up longer than --max-wait. Rows come smallest first, as smem prints them.",
            "--snapshot takes a kvmtune capture or an smemcap archive (seed 000: smemcap > memorycapture.tar).",
            "",
            "Examples:",
            "  kvmtune mem",
            "  kvmtune mem --by user --totals",
            "  kvmtune mem --by vm",
            "  kvmtune mem --by mapping --filter-process qemu --abbreviate",
            "  kvmtune mem --pie name --sort rss -o rss.svg",
            "  kvmtune mem --snapshot memorycapture.tar --bar name --sort uss -o uss.svg"})
public final class MemCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--by", paramLabel = "VIEW", defaultValue = "process",
            description = "process, user, mapping, vm, node or system (default: ${DEFAULT-VALUE}).")
    String by;

    @Option(names = {"-s", "--sort"}, paramLabel = "COL", description = "Column to sort by (default: pss; node for --by node, order for system).")
    String sort;

    @Option(names = {"-r", "--reverse"}, description = "Largest first.")
    boolean reverse;

    @Option(names = {"-c", "--columns"}, paramLabel = "LIST", description = "Columns to show, comma or space separated (text output; JSON has every column).")
    String columns;

    @Option(names = {"-P", "--filter-process"}, paramLabel = "RE", description = "Only processes whose name or command line matches.")
    String processFilter;

    @Option(names = {"-U", "--filter-user"}, paramLabel = "RE", description = "Only processes whose user matches.")
    String userFilter;

    @Option(names = {"-M", "--filter-mapping"}, paramLabel = "RE", description = "Only mappings whose name matches (reads full smaps).")
    String mappingFilter;

    @Option(names = {"-t", "--totals"}, description = "Add a totals line.")
    boolean totals;

    @Option(names = {"-p", "--percent"}, description = "Sizes as a share of memory (swap of swap).")
    boolean percent;

    @Option(names = {"-k", "--abbreviate"}, description = "Sizes with units (1.5M).")
    boolean abbreviate;

    @Option(names = "--pie", paramLabel = "COL", description = "Write a pie chart (SVG) labelled by COL, sized by --sort; needs -o.")
    String pie;

    @Option(names = "--bar", paramLabel = "COL", description = "Write a bar chart (SVG) labelled by COL, one bar per size column; needs -o.")
    String bar;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The chart's file.")
    Path output;

    @Option(names = "--cheap", description = "Read /proc/PID/status only: RSS, swap, hugetlb; no PSS or USS and no mmap lock taken.")
    boolean cheap;

    @Option(names = {"-R", "--realmem"}, paramLabel = "SIZE", description = "Physical RAM (24G), for the system view's firmware/hardware area.")
    String realmem;

    @Option(names = "--max-wait", paramLabel = "DURATION", defaultValue = "2s", converter = Converters.Seconds.class,
            description = "Longest one process's smaps may take before its status is read instead (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Converters.Seconds.class,
            description = "Show the view again every DURATION (live host only), until --count or Ctrl-C.")
    Duration interval;

    @Option(names = "--count", paramLabel = "N", description = "With --interval: how many times (default: until Ctrl-C).")
    Integer count;

    /** Set by the last reading: the kernel gave no Pss, so rows sort by RSS unless --sort says otherwise. */
    private boolean pssMissing;

    private static final List<String> VIEWS = List.of("process", "user", "mapping", "vm", "node", "system");

    @Override
    public Integer call() throws Exception {
        if (!VIEWS.contains(by)) throw new BadInputException("--by takes " + String.join(", ", VIEWS) + ", not " + by);
        Pattern procRe = regex("--filter-process", processFilter);
        Pattern userRe = regex("--filter-user", userFilter);
        Pattern mapRe = regex("--filter-mapping", mappingFilter);
        if (cheap && (by.equals("mapping") || mapRe != null)) throw new BadInputException("--cheap reads no mappings; drop it for --by mapping or --filter-mapping");
        if (pie != null && bar != null) throw new BadInputException("--pie and --bar: choose one");
        if ((pie != null || bar != null) && output == null) throw new BadInputException("--" + (pie != null ? "pie" : "bar") + " writes an SVG file: name it with -o");
        if (output != null && pie == null && bar == null) throw new BadInputException("-o names the chart's file: add --pie COL or --bar COL");
        if (output != null) OutputFile.check(output);
        if (count != null && count <= 0) throw new BadInputException("--count must be positive");
        if (count != null && interval == null) throw new BadInputException("--count goes with --interval");
        Long realKb = null;
        if (realmem != null) {
            var v = Numbers.parseSize(realmem);
            if (v.isEmpty() || v.getAsLong() <= 0) throw new BadInputException("--realmem takes a size such as 24G, not " + realmem);
            realKb = v.getAsLong() / 1024;
        }
        PrintWriter out = spec.commandLine().getOut();
        int shown = 0;
        while (true) {
            boolean live;
            MemTable table;
            double memTotal;
            double swapTotal;
            try (Root root = parent.openRoot()) {
                live = root.isLive();
                if (interval != null && !live) throw new BadInputException("--interval needs the live host: a snapshot or --root tree does not change");
                table = table(root, procRe, userRe, mapRe, realKb);
                Map<String, Long> mi = root.read("proc/meminfo").map(Smaps::kbFields).orElse(Map.of());
                memTotal = realKb != null ? realKb : mi.getOrDefault("MemTotal", 0L);
                swapTotal = mi.getOrDefault("SwapTotal", 0L);
            }
            String sortBy = sort == null ? table.defaultSort() : sort.toLowerCase(Locale.ROOT);
            if (table.column(sortBy) == null) throw unknown("--sort", List.of(sortBy), table);
            if (pssMissing && sort == null) sortBy = "rss";
            List<String> cols = columns == null ? new ArrayList<>(table.defaults()) : split(columns);
            List<String> missing = cols.stream().filter(c -> table.column(c) == null).toList();
            if (!missing.isEmpty()) throw unknown("--columns", missing, table);
            MemTable sorted = table.sorted(sortBy, reverse);
            if (pie != null || bar != null) {
                chart(sorted, sortBy, cols, memTotal);
                out.printf("wrote %s: %s chart of %d %s rows%n", output, pie != null ? "pie" : "bar", sorted.rows().size(), by);
                out.flush();
                return ExitCodes.OK;
            }
            final double mt = memTotal;
            final double st = swapTotal;
            final String sb = sortBy;
            Formatted.print(out, parent.format, () -> json(sorted, sb), () -> MemText.table(sorted, cols, totals, percent ? mt : -1, st, abbreviate));
            if (parent.format == OutputFormat.json && interval != null) out.println();
            out.flush();
            shown++;
            if (interval == null || count != null && shown >= count) return ExitCodes.OK;
            Thread.sleep(interval.toMillis());
            if (parent.format != OutputFormat.json) out.println();
        }
    }

    private MemTable table(Root root, Pattern procRe, Pattern userRe, Pattern mapRe, Long realKb) {
        if (by.equals("system")) {
            List<SystemMemory> areas = SystemMemory.areas(root, realKb);
            if (areas.isEmpty()) throw new BadInputException(root.describe() + ": no proc/meminfo with MemTotal and MemFree: no system view");
            return MemViews.system(areas, List.of());
        }
        List<String> wanted = columns == null ? List.of() : split(columns);
        Depth depth = cheap ? Depth.STATUS : by.equals("mapping") || mapRe != null || wanted.contains("maps") ? Depth.SMAPS : Depth.ROLLUP;
        boolean numa = by.equals("vm") || by.equals("node");
        // each file is work for the kernel: read what the output shows, sorts or filters by (JSON shows every column)
        boolean all = parent.format == OutputFormat.json;
        List<String> shown = new ArrayList<>(wanted.isEmpty() ? List.of("pid", "user", "command", "swap", "uss", "pss", "rss", "hugetlb") : wanted);
        if (sort != null) shown.add(sort.toLowerCase(Locale.ROOT));
        if (pie != null) shown.add(pie);
        if (bar != null) shown.add(bar);
        boolean name = all || processFilter != null || shown.contains("name");
        boolean status = all || shown.contains("vss") || shown.contains("locked");
        boolean ksm = all || shown.contains("ksm_pages") || shown.contains("ksm_profit");
        ProcessMemoryReader.Reading reading = ProcessMemoryReader.read(root, new ProcessMemoryReader.Options(depth, numa, ksm, name, status, maxWait));
        List<String> notes = new ArrayList<>();
        if (depth == Depth.SMAPS && reading.samples().isEmpty() && !ProcessReader.pids(root).isEmpty() && !root.isLive()) {
            throw new BadInputException(root.describe() + " holds no proc/PID/smaps, which the mapping view and --filter-mapping read; "
                    + "capture them on the host it came from with: kvmtune capture --smemcap -o memorycapture.tar");
        }
        pssMissing = reading.pssMissing();
        if (pssMissing) notes.add("the kernel does not report PSS (smaps without Pss lines): sorted by RSS, as smem does");
        notes.addAll(reading.notes());
        if (cheap) notes.add("--cheap: sizes from /proc/PID/status; no PSS or USS");
        Predicate<String> mapOk = mapRe == null ? null : n -> mapRe.matcher(n).find();
        List<ProcessMemoryReader.Sample> kept = new ArrayList<>();
        for (ProcessMemoryReader.Sample s : reading.samples()) {
            ProcessMemory p = s.memory();
            if (procRe != null && !procRe.matcher(p.command()).find() && (p.name() == null || !procRe.matcher(p.name()).find())) continue;
            if (userRe != null && (p.user() == null || !userRe.matcher(p.user()).find())) continue;
            if (mapOk != null && !by.equals("mapping")) s = restrict(s, mapOk);
            kept.add(s);
        }
        List<ProcessMemory> procs = kept.stream().map(ProcessMemoryReader.Sample::memory).toList();
        return switch (by) {
            case "user" -> MemViews.users(procs, notes);
            case "mapping" -> MemViews.mappings(kept, mapOk, notes);
            case "vm" -> vmTable(root, procs, notes);
            case "node" -> {
                List<NumaNode> nodes = NumaReader.read(root);
                if (nodes.isEmpty()) throw new BadInputException(root.describe() + ": no sys/devices/system/node: no NUMA view");
                yield MemViews.nodes(nodes, procs, notes);
            }
            default -> MemViews.processes(procs, notes);
        };
    }

    private static MemTable vmTable(Root root, List<ProcessMemory> procs, List<String> notes) {
        List<VmFacts> vms = VmDiscovery.discover(root, ProcessReader.allThreads(root));
        List<NumaNode> nodes = NumaReader.read(root);
        Map<Integer, ProcessMemory> byPid = new LinkedHashMap<>();
        for (ProcessMemory p : procs) byPid.put(p.pid(), p);
        List<VmMemory> out = new ArrayList<>();
        for (VmFacts v : vms) {
            if (!"running".equals(v.state()) || v.vm().pid() == null) continue;
            ProcessMemory p = byPid.get(v.vm().pid());
            if (p == null) continue;
            out.add(VmMemory.of(v, p, nodes));
        }
        if (out.isEmpty()) notes.add("no running QEMU process matched");
        return MemViews.vms(out, notes);
    }

    /** A process counted over the mappings that pass the filter only, as smem's -M counts it. */
    static ProcessMemoryReader.Sample restrict(ProcessMemoryReader.Sample s, Predicate<String> ok) {
        List<Smaps.Mapping> maps = s.maps().stream().filter(m -> ok.test(m.name())).toList();
        Map<String, Long> t = Smaps.totals(maps);
        ProcessMemory p = s.memory();
        Map<MemColumn, Long> v = new EnumMap<>(MemColumn.class);
        v.put(MemColumn.SWAP, t.getOrDefault("Swap", 0L));
        v.put(MemColumn.USS, t.getOrDefault("Private_Clean", 0L) + t.getOrDefault("Private_Dirty", 0L));
        v.put(MemColumn.PSS, t.getOrDefault("Pss", 0L));
        v.put(MemColumn.RSS, t.getOrDefault("Rss", 0L));
        v.put(MemColumn.VSS, t.getOrDefault("Size", 0L));
        v.put(MemColumn.MAPS, (long) maps.size());
        v.put(MemColumn.HUGETLB, t.getOrDefault("Private_Hugetlb", 0L) + t.getOrDefault("Shared_Hugetlb", 0L));
        return new ProcessMemoryReader.Sample(new ProcessMemory(p.pid(), p.user(), p.name(), p.command(), v, p.numa(), p.source(), p.note()), maps);
    }

    private void chart(MemTable t, String sortBy, List<String> cols, double memTotal) {
        String labelCol = pie != null ? pie : bar;
        if (t.column(labelCol) == null) throw unknown(pie != null ? "--pie" : "--bar", List.of(labelCol), t);
        String svg;
        if (pie != null) {
            if (t.column(sortBy).kind() == MemTable.Kind.TEXT) throw new BadInputException("--pie sizes slices by --sort, which must be a size column, not " + sortBy);
            List<MemChart.Slice> rows = new ArrayList<>();
            for (Map<String, Object> r : t.rows()) {
                Object n = r.get(sortBy);
                if (n instanceof Number x) rows.add(new MemChart.Slice(String.valueOf(r.getOrDefault(labelCol, "?")), x.doubleValue()));
            }
            svg = MemChart.pie(labelCol + " by " + sortBy, MemChart.pieSlices(rows, t.view().equals("system") || memTotal <= 0 ? null : memTotal));
        } else {
            List<Map<String, Object>> rows = new ArrayList<>(t.rows());
            java.util.Collections.reverse(rows);
            List<String> groups = rows.stream().map(r -> String.valueOf(r.getOrDefault(labelCol, "?"))).toList();
            Map<String, double[]> series = new LinkedHashMap<>();
            for (String c : cols) {
                MemTable.Col col = t.column(c);
                if (col.kind() != MemTable.Kind.KB || c.equals(labelCol)) continue;
                double[] v = new double[rows.size()];
                for (int i = 0; i < v.length; i++) v[i] = rows.get(i).get(c) instanceof Number x ? x.doubleValue() : 0;
                series.put(c, v);
            }
            if (series.isEmpty()) throw new BadInputException("--bar draws the size columns of --columns, and none is chosen");
            svg = MemChart.bar(String.join(", ", series.keySet()) + " by " + labelCol, groups, series);
        }
        OutputFile.writeText(output, svg);
    }

    private static Map<String, Object> json(MemTable t, String sortBy) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("view", t.view());
        doc.put("sort", sortBy);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> r : t.rows()) rows.add(jsonRow(t, r));
        doc.put("rows", rows);
        doc.put("totals", jsonRow(t, t.totals()));
        doc.put("units", "sizes in kB");
        if (!t.notes().isEmpty()) doc.put("notes", t.notes());
        return doc;
    }

    private static Map<String, Object> jsonRow(MemTable t, Map<String, Object> r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : r.entrySet()) {
            MemTable.Col c = t.column(e.getKey());
            m.put(c == null ? e.getKey() : c.jsonName(), e.getValue());
        }
        return m;
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.toLowerCase(Locale.ROOT).split("[,\\s]+")) if (!s.isEmpty()) out.add(s);
        return out;
    }

    private static BadInputException unknown(String option, List<String> names, MemTable t) {
        return new BadInputException(option + ": unknown column " + String.join(", ", names) + " for --by " + t.view() + "; known: " + String.join(", ", t.ids()));
    }

    private static Pattern regex(String option, String re) {
        if (re == null) return null;
        try {
            return Pattern.compile(re);
        } catch (PatternSyntaxException e) {
            throw new BadInputException(option + ": not a regular expression: " + e.getDescription());
        }
    }
}
