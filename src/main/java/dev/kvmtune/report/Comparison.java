package dev.kvmtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kvmtune.exits.ExitInputs;
import dev.kvmtune.exits.ExitReport;
import dev.kvmtune.exits.Warnings;
import dev.kvmtune.latency.CyclictestRun;
import dev.kvmtune.latency.PerfSchedLatency;
import dev.kvmtune.util.ShellWords;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One to many bundles side by side: the data of {@code kvmtune report --format json} and of the
 * HTML page. Every per-bundle value is a list with one entry per bundle, in the order given; an
 * entry is null where that bundle lacks the part, and {@link Column#missing} says why. Ratios are
 * last over first. A pure function of the bundles.
 *
 * @param kind    "single" (one bundle), "before-after" (two), or "compare" (hosts side by side)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Comparison(String format, String kind, List<Column> bundles, Changes changes, AuditDiff audit, List<LatencyRow> latency,
                         List<CpuRow> cpus, List<IrqRow> irqs, List<VmSection> vms, List<String> verdicts) {

    public static final String FORMAT = "kvmtune-report/1";

    /** One bundle's heading: where and when it was measured, and which parts it lacks and why. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Column(String label, String hostname, String kernel, String arch, String version, String started, double durationSeconds,
                         boolean complete, boolean interrupted, Map<String, String> missing) {
    }

    /** What differs between the first and the last bundle's host. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Changes(List<String> cmdlineAdded, List<String> cmdlineRemoved, List<ValueChange> sysctls, ValueChange isolated,
                          ValueChange nohzFull, List<JournalEntry> journals) {
    }

    public record ValueChange(String name, String before, String after) {
    }

    /** An apply between the two runs, with the command that undoes it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JournalEntry(String journal, String status, String time, String plan, int steps, String rollback) {
    }

    /** Findings by severity per bundle; and between first and last: fixed, new, still failing (rule ids with titles). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditDiff(List<Map<String, Integer>> bySeverity, List<Finding> fixed, List<Finding> introduced, List<Finding> stillFailing,
                            List<HostRow> byHost) {
    }

    /**
     * --compare: a rule that fails or warns on at least one host, with its severity on each (null
     * where that host's audit has no such finding, or the bundle has no audit). Failing rules first.
     */
    public record HostRow(String id, String title, List<String> severities) {
    }

    public record Finding(String id, String title, String severity, String before, String after) {
    }

    /** One CPU's cyclictest result per bundle (µs), and the max ratio last/first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LatencyRow(int cpu, List<LatencyStats> perBundle, Double maxRatio, Double p99Ratio) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LatencyStats(long samples, long min, double avg, long max, Long p99, Long p999, long overflows, @com.fasterxml.jackson.annotation.JsonIgnore long[] histogram) {
    }

    /** One CPU: ticks and IPIs per second (ticks), device IRQs per second (irq), flags. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuRow(int cpu, List<String> flags, List<Map<String, Double>> perSecond, List<Double> deviceIrqsPerSecond) {
    }

    /** A device IRQ with its rate per bundle, for the busiest ones. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IrqRow(String irq, String name, List<Double> rate, List<String> landedOn) {
    }

    /** Everything about one VM. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VmSection(String name, List<ExitsColumn> exits, List<ExitRow> exitReasons, List<VcpuWait> vcpuWait,
                            List<MemoryColumn> memory, List<String> flames, List<String> missing) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExitsColumn(long events, Double perSecond, Double seconds, String note) {
    }

    /** One exit reason: rate (or count when no duration) per bundle, ratio last/first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExitRow(String reason, List<Double> perSecond, List<Long> count, Double ratio) {
    }

    /** One vCPU's run-queue wait share of the window per bundle. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VcpuWait(String thread, List<Double> waitShare, List<Double> waitMs, List<Double> perfAvgDelayMs, List<Double> perfMaxDelayMs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemoryColumn(Long rssKb, Long pssKb, Long hugetlbKb, Long guestKb, String backing, Double localPercent) {
    }

    public static Comparison of(List<Bundle> bs, boolean compare) {
        String kind = bs.size() == 1 ? "single" : compare ? "compare" : "before-after";
        List<Column> cols = new ArrayList<>();
        for (Bundle b : bs) cols.add(column(b));
        Changes changes = bs.size() >= 2 && !compare ? changes(bs.get(0), bs.get(bs.size() - 1)) : null;
        List<VmSection> vms = vms(bs);
        List<LatencyRow> lat = latency(bs);
        AuditDiff audit = audit(bs, compare && bs.size() > 1);
        List<CpuRow> cpus = cpus(bs);
        return new Comparison(FORMAT, kind, cols, changes, audit, lat, cpus, irqs(bs), vms, verdicts(bs, vms, lat, audit));
    }

    // ---- columns and changes ----

    private static final List<String> PARTS = List.of("snapshot", "facts", "audit", "mem", "journal", "ticks", "irq", "latency");

    private static Column column(Bundle b) {
        Manifest m = b.manifest();
        Map<String, String> missing = new LinkedHashMap<>();
        Map<String, String> files = Map.of("snapshot", "snapshot.tar.gz", "facts", "facts.json", "audit", "audit.json", "mem", "mem.json",
                "journal", "journal.json", "ticks", "ticks.json", "irq", "irq.json", "latency", "latency.txt");
        for (String p : PARTS) if (b.file(files.get(p)).isEmpty()) missing.put(p, b.missing(p, null));
        b.vmFiles().forEach((vm, f) -> {
            for (String p : List.of("exits", "threads", "flame")) {
                String file = p + "-" + f + (p.equals("flame") ? ".svg" : ".json");
                if (b.file(file).isEmpty()) missing.put(p + " " + vm, b.missing(p, vm));
            }
        });
        Manifest.Host h = m.host() == null ? new Manifest.Host(null, null, null, null) : m.host();
        return new Column(b.label(), h.hostname(), h.kernel(), h.arch(), m.version(), m.started(), m.durationSeconds(), m.complete(),
                m.interrupted(), missing);
    }

    private static Changes changes(Bundle a, Bundle b) {
        Optional<JsonNode> fa = a.json("facts.json");
        Optional<JsonNode> fb = b.json("facts.json");
        List<String> added = List.of();
        List<String> removed = List.of();
        String ca = cmdline(a, fa);
        String cb = cmdline(b, fb);
        if (ca != null && cb != null) {
            Set<String> pa = new LinkedHashSet<>(Arrays.asList(ca.split("\\s+")));
            Set<String> pb = new LinkedHashSet<>(Arrays.asList(cb.split("\\s+")));
            added = pb.stream().filter(p -> !pa.contains(p)).toList();
            removed = pa.stream().filter(p -> !pb.contains(p)).toList();
        }
        List<ValueChange> sysctls = new ArrayList<>();
        ValueChange iso = null;
        ValueChange nohz = null;
        if (fa.isPresent() && fb.isPresent()) {
            Map<String, String> sa = sysctls(fa.get());
            Map<String, String> sb = sysctls(fb.get());
            Set<String> names = new TreeSet<>(sa.keySet());
            names.addAll(sb.keySet());
            for (String n : names) {
                if (!Objects.equals(sa.get(n), sb.get(n))) sysctls.add(new ValueChange(n, sa.get(n), sb.get(n)));
            }
            iso = change("isolated", fa.get().at("/isolation/isolated"), fb.get().at("/isolation/isolated"));
            nohz = change("nohz_full", fa.get().at("/isolation/nohzFull"), fb.get().at("/isolation/nohzFull"));
        }
        List<JournalEntry> journals = new ArrayList<>();
        String from = a.manifest().started();
        b.json("journal.json").ifPresent(j -> {
            for (JsonNode e : j) {
                String t = e.path("time").asText(null);
                // the applies made between the two runs: after the first began
                if (earlier(t, from)) continue;
                // the same command apply printed: the journal, its root, and its directory when that is not the root's default
                String root = e.path("root").asText("/");
                String journal = e.path("journal").asText();
                Path jdir = Path.of(journal).getParent();
                Path defaultDir = Path.of(root.isEmpty() ? "/" : root).resolve("var/lib/kvmtune");
                String rollback = "sudo kvmtune rollback " + ShellWords.quote(journal)
                        + (root.equals("/") || root.isEmpty() ? "" : " --root " + ShellWords.quote(root))
                        + (jdir == null || jdir.equals(defaultDir) ? "" : " --journal-dir " + ShellWords.quote(jdir.toString()));
                journals.add(new JournalEntry(e.path("journal").asText(), e.path("status").asText(), t, e.path("plan").asText(null),
                        e.path("steps").asInt(), rollback));
            }
        });
        return new Changes(added, removed, sysctls, iso, nohz, journals);
    }

    /**
     * Whether the time {@code t} is known to come before {@code from}, both ISO-8601 with an offset. Compared as
     * instants, not as text: a time at a whole minute is written without its seconds ("21:45Z"), which as text sorts
     * after every time within that minute ("21:45:07.1Z"). An absent or unreadable time is not known to be earlier.
     */
    static boolean earlier(String t, String from) {
        if (t == null || from == null) return false;
        try {
            return OffsetDateTime.parse(t).toInstant().isBefore(OffsetDateTime.parse(from).toInstant());
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static String cmdline(Bundle b, Optional<JsonNode> facts) {
        if (facts.isPresent()) {
            JsonNode raw = facts.get().at("/kernel/cmdline/value/raw");
            if (raw.isTextual()) return raw.asText();
        }
        return b.manifest().host() == null ? null : b.manifest().host().cmdline();
    }

    private static Map<String, String> sysctls(JsonNode facts) {
        Map<String, String> out = new TreeMap<>();
        facts.path("sysctls").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().has("value") ? e.getValue().get("value").asText()
                : "(" + e.getValue().path("status").asText("unread") + ")"));
        return out;
    }

    private static ValueChange change(String name, JsonNode a, JsonNode b) {
        String va = sourced(a);
        String vb = sourced(b);
        return Objects.equals(va, vb) ? null : new ValueChange(name, va, vb);
    }

    /** A Sourced value's text: the value, "(none)" for an empty list, the status ("missing") for no value. */
    private static String sourced(JsonNode n) {
        if (n.isMissingNode()) return null;
        if (n.has("value")) return n.get("value").asText().isEmpty() ? "(none)" : n.get("value").asText();
        return "(" + n.path("status").asText("unread") + ")";
    }

    // ---- audit ----

    private static final List<String> BAD = List.of("fail", "warn");

    private static AuditDiff audit(List<Bundle> bs, boolean fleet) {
        List<Map<String, Integer>> sev = new ArrayList<>();
        List<Map<String, JsonNode>> byId = new ArrayList<>();
        for (Bundle b : bs) {
            Optional<JsonNode> a = b.json("audit.json");
            if (a.isEmpty()) {
                sev.add(null);
                byId.add(null);
                continue;
            }
            Map<String, Integer> counts = new TreeMap<>();
            Map<String, JsonNode> ids = new LinkedHashMap<>();
            for (JsonNode f : a.get().path("findings")) {
                counts.merge(f.path("severity").asText("?"), 1, Integer::sum);
                ids.put(f.path("id").asText() + (f.has("vm") ? "@" + f.path("vm").asText() : ""), f);
            }
            sev.add(counts);
            byId.add(ids);
        }
        if (sev.stream().allMatch(Objects::isNull)) return null;
        if (fleet) return new AuditDiff(sev, List.of(), List.of(), List.of(), byHost(byId));
        Map<String, JsonNode> first = byId.get(0);
        Map<String, JsonNode> last = byId.get(byId.size() - 1);
        List<Finding> fixed = new ArrayList<>();
        List<Finding> introduced = new ArrayList<>();
        List<Finding> still = new ArrayList<>();
        if (first != null && last != null) {
            Set<String> ids = new LinkedHashSet<>(first.keySet());
            ids.addAll(last.keySet());
            for (String id : ids) {
                JsonNode a = first.get(id);
                JsonNode b = last.get(id);
                boolean badA = a != null && BAD.contains(a.path("severity").asText());
                boolean badB = b != null && BAD.contains(b.path("severity").asText());
                JsonNode any = b != null ? b : a;
                Finding f = new Finding(id, any.path("title").asText(), any.path("severity").asText(),
                        a == null ? null : a.path("severity").asText() + actual(a), b == null ? null : b.path("severity").asText() + actual(b));
                if (bs.size() == 1) {
                    if (badB) still.add(f);
                } else if (badA && !badB) {
                    fixed.add(f);
                } else if (!badA && badB) {
                    introduced.add(f);
                } else if (badA) {
                    still.add(f);
                }
            }
        }
        return new AuditDiff(sev, fixed, introduced, still, null);
    }

    private static List<HostRow> byHost(List<Map<String, JsonNode>> byId) {
        Set<String> ids = new LinkedHashSet<>();
        for (Map<String, JsonNode> m : byId) {
            if (m == null) continue;
            m.forEach((id, f) -> {
                if (BAD.contains(f.path("severity").asText())) ids.add(id);
            });
        }
        List<HostRow> rows = new ArrayList<>();
        for (String id : ids) {
            List<String> sevs = new ArrayList<>();
            String title = null;
            for (Map<String, JsonNode> m : byId) {
                JsonNode f = m == null ? null : m.get(id);
                sevs.add(f == null ? null : f.path("severity").asText());
                if (f != null && title == null) title = f.path("title").asText();
            }
            rows.add(new HostRow(id, title, sevs));
        }
        rows.sort(java.util.Comparator.comparing((HostRow r) -> !r.severities().contains("fail")).thenComparing(HostRow::id));
        return rows;
    }

    private static String actual(JsonNode f) {
        return f.has("actual") && !f.get("actual").isNull() ? ": " + f.get("actual").asText() : "";
    }

    // ---- latency ----

    private static List<LatencyRow> latency(List<Bundle> bs) {
        Map<Integer, List<LatencyStats>> rows = new TreeMap<>();
        for (int i = 0; i < bs.size(); i++) {
            Optional<CyclictestRun> run = bs.get(i).latency();
            if (run.isEmpty()) continue;
            for (CyclictestRun.ThreadResult t : run.get().threads()) {
                int cpu = t.cpu() != null ? t.cpu() : t.thread();
                List<LatencyStats> l = rows.computeIfAbsent(cpu, c -> new ArrayList<>(java.util.Collections.nCopies(bs.size(), null)));
                l.set(i, new LatencyStats(t.samples(), t.min(), t.avg(), t.max(), pct(t, "p99"), pct(t, "p99.9"), t.overflows(), t.histogram()));
            }
        }
        List<LatencyRow> out = new ArrayList<>();
        rows.forEach((cpu, l) -> {
            LatencyStats a = l.get(0);
            LatencyStats b = l.get(l.size() - 1);
            Double maxRatio = l.size() > 1 && a != null && b != null && a.max() > 0 ? round((double) b.max() / a.max()) : null;
            Double p99Ratio = l.size() > 1 && a != null && b != null && a.p99() != null && b.p99() != null && a.p99() > 0
                    ? round((double) b.p99() / a.p99()) : null;
            out.add(new LatencyRow(cpu, l, maxRatio, p99Ratio));
        });
        return out;
    }

    private static Long pct(CyclictestRun.ThreadResult t, String label) {
        if (t.percentiles() == null) return null;
        CyclictestRun.Percentile p = t.percentiles().get(label);
        return p == null ? null : p.us();
    }

    // ---- CPUs and IRQs ----

    private static List<CpuRow> cpus(List<Bundle> bs) {
        Map<Integer, CpuRow> rows = new TreeMap<>();
        for (int i = 0; i < bs.size(); i++) {
            Optional<JsonNode> ticks = bs.get(i).json("ticks.json");
            Optional<JsonNode> irq = bs.get(i).json("irq.json");
            final int col = i;
            ticks.ifPresent(t -> {
                for (JsonNode c : t.path("cpus")) {
                    CpuRow r = row(rows, c.path("cpu").asInt(), bs.size());
                    Map<String, Double> per = new TreeMap<>();
                    c.path("perSecond").fields().forEachRemaining(e -> per.put(e.getKey(), e.getValue().asDouble()));
                    r.perSecond().set(col, per);
                    if (c.has("deviceIrqsPerSecond")) r.deviceIrqsPerSecond().set(col, c.get("deviceIrqsPerSecond").asDouble());
                }
            });
            irq.ifPresent(t -> {
                for (JsonNode c : t.path("cpus")) {
                    CpuRow r = row(rows, c.path("cpu").asInt(), bs.size());
                    for (JsonNode f : c.path("flags")) if (!r.flags().contains(f.asText())) r.flags().add(f.asText());
                    if (r.deviceIrqsPerSecond().get(col) == null && c.has("deviceIrqs")) r.deviceIrqsPerSecond().set(col, c.get("deviceIrqs").asDouble());
                }
            });
        }
        return List.copyOf(rows.values());
    }

    private static CpuRow row(Map<Integer, CpuRow> rows, int cpu, int n) {
        return rows.computeIfAbsent(cpu, c -> new CpuRow(c, new ArrayList<>(), new ArrayList<>(java.util.Collections.nCopies(n, null)),
                new ArrayList<>(java.util.Collections.nCopies(n, null))));
    }

    /** The device IRQs (numbered ones) that were busiest in any bundle, at most 15. */
    private static List<IrqRow> irqs(List<Bundle> bs) {
        Map<String, IrqRow> rows = new LinkedHashMap<>();
        Map<String, Double> peak = new LinkedHashMap<>();
        for (int i = 0; i < bs.size(); i++) {
            Optional<JsonNode> irq = bs.get(i).json("irq.json");
            if (irq.isEmpty()) continue;
            for (JsonNode q : irq.get().path("irqs")) {
                String id = q.path("irq").asText();
                if (!id.matches("\\d+")) continue;
                final int col = i;
                IrqRow r = rows.computeIfAbsent(id, k -> new IrqRow(k, q.path("name").asText(null),
                        new ArrayList<>(java.util.Collections.nCopies(bs.size(), null)), new ArrayList<>(java.util.Collections.nCopies(bs.size(), null))));
                double rate = q.has("rate") ? q.get("rate").asDouble() : q.path("total").asDouble();
                r.rate().set(col, rate);
                List<String> on = new ArrayList<>();
                q.path("perCpu").fields().forEachRemaining(e -> {
                    if (e.getValue().asLong() > 0) on.add(e.getKey());
                });
                r.landedOn().set(col, String.join(",", on));
                peak.merge(id, rate, Math::max);
            }
        }
        return peak.entrySet().stream().filter(e -> e.getValue() > 0).sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).limit(15)
                .map(e -> rows.get(e.getKey())).toList();
    }

    // ---- VMs ----

    private static List<VmSection> vms(List<Bundle> bs) {
        Set<String> names = new LinkedHashSet<>();
        for (Bundle b : bs) names.addAll(b.vmFiles().keySet());
        List<VmSection> out = new ArrayList<>();
        for (String vm : names) {
            List<ExitsColumn> exits = new ArrayList<>();
            Map<String, ExitRow> reasons = new LinkedHashMap<>();
            Map<String, VcpuWait> waits = new TreeMap<>();
            List<MemoryColumn> mem = new ArrayList<>();
            List<String> flames = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < bs.size(); i++) {
                Bundle b = bs.get(i);
                String f = b.vmFiles().get(vm);
                exits.add(f == null ? null : exits(b, vm, f, i, bs.size(), reasons, missing));
                if (f != null) waits(b, vm, f, i, bs.size(), waits, missing);
                mem.add(memory(b, vm));
                Optional<Path> svg = f == null ? Optional.empty() : b.file("flame-" + f + ".svg");
                flames.add(svg.map(p -> b.label() + "/" + p.getFileName()).orElse(null));
                if (f != null && svg.isEmpty()) missing.add(b.label() + ": flame graph " + b.missing("flame", vm));
                if (f == null) missing.add(b.label() + ": the VM was not running or not watched");
            }
            for (ExitRow r : reasons.values()) {
                Double a = r.perSecond().get(0);
                Double z = r.perSecond().get(r.perSecond().size() - 1);
                if (bs.size() > 1 && a != null && z != null && a > 0) reasons.put(r.reason(), new ExitRow(r.reason(), r.perSecond(), r.count(), round(z / a)));
            }
            List<ExitRow> sorted = new ArrayList<>(reasons.values());
            sorted.sort((x, y) -> Double.compare(maxOf(y), maxOf(x)));
            out.add(new VmSection(vm, exits, sorted, List.copyOf(waits.values()), mem, flames, missing));
        }
        return out;
    }

    private static double maxOf(ExitRow r) {
        double m = 0;
        for (int i = 0; i < r.count().size(); i++) {
            Double v = r.perSecond().get(i) != null ? r.perSecond().get(i) : r.count().get(i) == null ? null : (double) r.count().get(i);
            if (v != null) m = Math.max(m, v);
        }
        return m;
    }

    private static ExitsColumn exits(Bundle b, String vm, String f, int col, int n, Map<String, ExitRow> reasons, List<String> missing) {
        Optional<Path> p = b.file("exits-" + f + ".json");
        if (p.isEmpty()) {
            missing.add(b.label() + ": exits " + b.missing("exits", vm));
            return null;
        }
        ExitReport r = ExitReport.of(ExitInputs.read(p.get(), null, new Warnings()), false);
        for (ExitReport.Reason x : r.reasons()) {
            ExitRow row = reasons.computeIfAbsent(x.reason(), k -> new ExitRow(k, new ArrayList<>(java.util.Collections.nCopies(n, null)),
                    new ArrayList<>(java.util.Collections.nCopies(n, null)), null));
            row.perSecond().set(col, x.perSecond());
            row.count().set(col, x.count());
        }
        String note = null;
        if (r.events() == 0 && r.sources() != null) {
            note = String.join("; ", r.sources().stream().map(s -> s.name() + ": " + s.status() + (s.detail() == null ? "" : " — " + s.detail())).toList());
        }
        return new ExitsColumn(r.events(), r.eventsPerSecond(), r.seconds(), note);
    }

    private static void waits(Bundle b, String vm, String f, int col, int n, Map<String, VcpuWait> waits, List<String> missing) {
        Optional<JsonNode> t = b.json("threads-" + f + ".json");
        if (t.isEmpty()) {
            missing.add(b.label() + ": vCPU run delay " + b.missing("threads", vm));
            return;
        }
        Map<Integer, VcpuWait> byTid = new java.util.HashMap<>();
        for (JsonNode v : t.get()) {
            for (JsonNode d : v.path("runDelay")) {
                String role = d.path("role").asText();
                if (!role.equals("vcpu") && !role.equals("iothread") && !role.equals("main")) continue;
                String key = role.equals("vcpu") ? String.format(Locale.ROOT, "vCPU %3d", d.path("vcpu").asInt()) : role;
                VcpuWait w = waits.computeIfAbsent(key, k -> new VcpuWait(k.replaceAll(" +", " "), nulls(n), nulls(n), nulls(n), nulls(n)));
                if (d.has("waitShare")) w.waitShare().set(col, d.get("waitShare").asDouble());
                if (d.has("waitNs")) w.waitMs().set(col, round(d.get("waitNs").asDouble() / 1e6));
                byTid.put(d.path("tid").asInt(), w);
            }
        }
        // seed 003's own view: perf sched latency's row for the same thread, when the run recorded it
        b.text("perf-sched.txt").ifPresent(text -> {
            for (PerfSchedLatency.Row r : PerfSchedLatency.parse(text).rows()) {
                VcpuWait w = r.pid() == null ? null : byTid.get(r.pid());
                if (w == null) continue;
                w.perfAvgDelayMs().set(col, r.avgDelayMs());
                w.perfMaxDelayMs().set(col, r.maxDelayMs());
            }
        });
    }

    private static MemoryColumn memory(Bundle b, String vm) {
        Optional<JsonNode> m = b.json("mem.json");
        if (m.isEmpty()) return null;
        for (JsonNode r : m.get().path("rows")) {
            if (!vm.equals(r.path("vm").asText())) continue;
            return new MemoryColumn(num(r, "rssKb"), num(r, "pssKb"), num(r, "hugetlbKb"), num(r, "guestKb"), r.path("backing").asText(null),
                    r.has("local") ? r.get("local").asDouble() : null);
        }
        return null;
    }

    private static Long num(JsonNode n, String f) {
        return n.has(f) && n.get(f).isNumber() ? n.get(f).asLong() : null;
    }

    // ---- verdicts ----

    private static List<String> verdicts(List<Bundle> bs, List<VmSection> vms, List<LatencyRow> lat, AuditDiff audit) {
        List<String> out = new ArrayList<>();
        Long worstA = worst(lat, 0);
        Long worstZ = worst(lat, bs.size() - 1);
        for (VmSection v : vms) {
            List<String> better = new ArrayList<>();
            List<String> worse = new ArrayList<>();
            List<String> facts = new ArrayList<>();
            ExitsColumn ea = v.exits().get(0);
            ExitsColumn ez = v.exits().get(v.exits().size() - 1);
            if (ez != null && ez.events() == 0) facts.add("no VM exit seen" + (ez.note() != null && ez.note().contains("tcg") ? " (TCG: KVM runs none of its code)" : ""));
            else if (ez != null && ez.perSecond() != null) facts.add(String.format(Locale.ROOT, "%,.0f exits/s", ez.perSecond()));
            if (bs.size() > 1 && ea != null && ez != null && ea.perSecond() != null && ez.perSecond() != null && ea.perSecond() > 0) {
                double r = ez.perSecond() / ea.perSecond();
                (r < 0.9 ? better : r > 1.1 ? worse : facts).add(String.format(Locale.ROOT, "exits %,.0f → %,.0f/s (%.2f×)", ea.perSecond(), ez.perSecond(), r));
            }
            Double wa = maxShare(v, 0);
            Double wz = maxShare(v, bs.size() - 1);
            if (wz != null) facts.add(String.format(Locale.ROOT, "vCPU run-queue wait up to %.2f%%", 100 * wz));
            if (bs.size() > 1 && wa != null && wz != null && Math.abs(wz - wa) > 0.001) {
                (wz < wa ? better : worse).add(String.format(Locale.ROOT, "vCPU wait %.2f%% → %.2f%%", 100 * wa, 100 * wz));
            }
            if (bs.size() > 1 && worstA != null && worstZ != null && worstA > 0) {
                double r = (double) worstZ / worstA;
                (r < 0.9 ? better : r > 1.1 ? worse : facts).add("host latency max " + worstA + " → " + worstZ + " µs");
            } else if (worstZ != null) {
                facts.add("host latency max " + worstZ + " µs");
            }
            String head;
            if (bs.size() == 1 || (better.isEmpty() && worse.isEmpty())) head = bs.size() == 1 ? "measured" : "unchanged";
            else if (worse.isEmpty()) head = "better";
            else if (better.isEmpty()) head = "worse";
            else head = "mixed";
            List<String> all = new ArrayList<>(better);
            all.addAll(worse);
            all.addAll(facts);
            out.add(v.name() + ": " + head + (all.isEmpty() ? " (no exits, wait or latency data)" : " — " + String.join(", ", all)));
        }
        if (audit != null && audit.byHost() != null) {
            // the fleet view: per host, how many rules fail and warn
            List<String> hosts = new ArrayList<>();
            for (int i = 0; i < bs.size(); i++) {
                int fail = 0;
                int warn = 0;
                for (HostRow r : audit.byHost()) {
                    if ("fail".equals(r.severities().get(i))) fail++;
                    if ("warn".equals(r.severities().get(i))) warn++;
                }
                hosts.add(bs.get(i).label() + (audit.bySeverity().get(i) == null ? " no audit" : " " + fail + " failing, " + warn + " warning"));
            }
            out.add("fleet audit: " + String.join("; ", hosts));
        } else if (audit != null && bs.size() > 1) {
            out.add(String.format(Locale.ROOT, "host audit: %d fixed, %d new, %d still failing", audit.fixed().size(), audit.introduced().size(),
                    audit.stillFailing().size()));
        }
        return out;
    }

    private static Long worst(List<LatencyRow> lat, int col) {
        Long w = null;
        for (LatencyRow r : lat) {
            LatencyStats s = r.perBundle().get(col);
            if (s != null) w = w == null ? s.max() : Math.max(w, s.max());
        }
        return w;
    }

    private static Double maxShare(VmSection v, int col) {
        Double m = null;
        for (VcpuWait w : v.vcpuWait()) {
            if (!w.thread().startsWith("vCPU")) continue;
            Double s = w.waitShare().get(col);
            if (s != null) m = m == null ? s : Math.max(m, s);
        }
        return m;
    }

    private static <T> List<T> nulls(int n) {
        return new ArrayList<>(java.util.Collections.nCopies(n, null));
    }

    static Double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
