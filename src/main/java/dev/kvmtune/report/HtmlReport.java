package dev.kvmtune.report;

import dev.kvmtune.BadInputException;
import dev.kvmtune.exits.ExitChart;
import dev.kvmtune.latency.HistogramChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report as one HTML file that needs nothing else: styles inline, charts as inline SVG drawn
 * here, each flame graph embedded whole (its own script, click to zoom) as a data: URL in an
 * object element, so its ids and script stay apart from the page's and from the other graphs.
 * The page loads nothing from anywhere. Sections carry ids (identity, changes, audit, latency,
 * cpus, irqs, exits, rundelay, memory, flames, verdicts, missing) for links and tests.
 */
public final class HtmlReport {
    /** A flame graph larger than this is linked by name, not embedded (a typical host's graph is far smaller). */
    public static final long FLAME_EMBED_LIMIT = 4L << 20;

    private static final Pattern SVG_SIZE = Pattern.compile("<svg[^>]*?\\swidth=\"(\\d+)\"[^>]*?\\sheight=\"(\\d+)\"");

    private final StringBuilder sb = new StringBuilder(1 << 16);
    private final Comparison c;
    private final List<Bundle> bundles;

    private HtmlReport(Comparison c, List<Bundle> bundles) {
        this.c = c;
        this.bundles = bundles;
    }

    public static String render(Comparison c, List<Bundle> bundles) {
        HtmlReport r = new HtmlReport(c, bundles);
        r.page();
        return r.sb.toString();
    }

    private void page() {
        String title = "kvmtune report: " + String.join(" vs ", c.bundles().stream().map(Comparison.Column::label).toList());
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                // nothing may load from anywhere: the policy makes a stray reference fail instead of leaking a request
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; object-src data:; frame-src data:\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        sb.append("<header><h1>").append(esc(title)).append("</h1>\n<nav aria-label=\"Sections\"><ul>");
        for (String[] s : new String[][] {{"verdicts", "Verdict"}, {"identity", "Host"}, {"changes", "Changes"}, {"audit", "Audit"},
                {"latency", "Latency"}, {"cpus", "Ticks"}, {"irqs", "IRQs"}, {"exits", "VM exits"}, {"rundelay", "vCPU run delay"},
                {"memory", "Memory"}, {"flames", "Flame graphs"}, {"missing", "Missing"}}) {
            sb.append("<li><a href=\"#").append(s[0]).append("\">").append(s[1]).append("</a></li>");
        }
        sb.append("</ul></nav></header>\n<main>\n");
        verdicts();
        identity();
        changes();
        audit();
        latency();
        cpus();
        irqs();
        exits();
        runDelay();
        memory();
        flames();
        missing();
        sb.append("</main>\n<footer><p>Made by kvmtune ").append(esc(Objects.toString(c.bundles().get(0).version(), "?")))
                .append(" from ").append(c.bundles().size()).append(c.bundles().size() == 1 ? " bundle" : " bundles")
                .append(". Every number comes from a file in the bundle; manifest.json names the command that made it.</p></footer>\n</body>\n</html>\n");
    }

    private void section(String id, String heading) {
        sb.append("<section id=\"").append(id).append("\" aria-labelledby=\"h-").append(id).append("\">\n<h2 id=\"h-").append(id).append("\">")
                .append(esc(heading)).append("</h2>\n");
    }

    private void end() {
        sb.append("</section>\n");
    }

    private void absent(String why) {
        sb.append("<p class=\"absent\">").append(esc(why)).append("</p>\n");
    }

    private List<String> labels() {
        return c.bundles().stream().map(Comparison.Column::label).toList();
    }

    private boolean many() {
        return c.bundles().size() > 1;
    }

    // ---- sections ----

    private void verdicts() {
        section("verdicts", "Verdict");
        if (c.verdicts().isEmpty()) absent("No VM was watched and there is no audit to compare: nothing to judge.");
        sb.append("<ul class=\"verdicts\">");
        for (String v : c.verdicts()) {
            String cls = v.contains(": better") ? "good" : v.contains(": worse") ? "bad" : v.contains(": mixed") ? "mixed" : "plain";
            sb.append("<li class=\"").append(cls).append("\">").append(esc(v)).append("</li>");
        }
        sb.append("</ul>\n");
        end();
    }

    private void identity() {
        section("identity", "Host and runs");
        table(List.of("", "host", "kernel", "arch", "kvmtune", "started", "window", "state"), rows -> {
            for (Comparison.Column col : c.bundles()) {
                rows.add(List.of(col.label(), str(col.hostname()), str(col.kernel()), str(col.arch()), str(col.version()), str(col.started()),
                        fmt(col.durationSeconds()) + " s", col.interrupted() ? "stopped by Ctrl-C" : col.complete() ? "complete" : "unfinished"));
            }
        });
        end();
    }

    private void changes() {
        section("changes", "What changed between the runs");
        Comparison.Changes ch = c.changes();
        if (ch == null) {
            absent(many() ? "Hosts side by side: each column is its own host, so nothing is compared as a change."
                    : "One run: there is nothing to compare it with. Measure again after the change and give both bundles.");
            end();
            return;
        }
        boolean any = false;
        if (!ch.cmdlineAdded().isEmpty() || !ch.cmdlineRemoved().isEmpty()) {
            any = true;
            sb.append("<h3>Kernel command line</h3>\n<ul class=\"mono\">");
            for (String p : ch.cmdlineAdded()) sb.append("<li class=\"good\">+ ").append(esc(p)).append("</li>");
            for (String p : ch.cmdlineRemoved()) sb.append("<li class=\"bad\">− ").append(esc(p)).append("</li>");
            sb.append("</ul>\n");
        }
        List<Comparison.ValueChange> v = new ArrayList<>();
        if (ch.isolated() != null) v.add(ch.isolated());
        if (ch.nohzFull() != null) v.add(ch.nohzFull());
        if (!v.isEmpty()) {
            any = true;
            sb.append("<h3>Isolated CPUs</h3>\n");
            table(List.of("", "before", "after"), rows -> v.forEach(x -> rows.add(List.of(x.name(), str(x.before()), str(x.after())))));
        }
        if (!ch.sysctls().isEmpty()) {
            any = true;
            sb.append("<h3>sysctls</h3>\n");
            table(List.of("sysctl", "before", "after"), rows -> ch.sysctls().forEach(x -> rows.add(List.of(x.name(), str(x.before()), str(x.after())))));
        }
        if (!ch.journals().isEmpty()) {
            any = true;
            sb.append("<h3>Applies between the runs</h3>\n");
            table(List.of("journal", "status", "time", "steps", "undo with"), rows -> ch.journals().forEach(j ->
                    rows.add(List.of(j.journal(), j.status(), str(j.time()), Integer.toString(j.steps()), j.rollback()))));
        }
        if (!any) absent("The kernel command line, isolated CPUs and sysctls are the same in both runs, and no apply journal was written between them.");
        end();
    }

    private void audit() {
        section("audit", "Audit");
        Comparison.AuditDiff a = c.audit();
        if (a == null) {
            absent("No bundle holds an audit (" + missingOf("audit") + ").");
            end();
            return;
        }
        TreeSet<String> sev = new TreeSet<>();
        a.bySeverity().forEach(m -> {
            if (m != null) sev.addAll(m.keySet());
        });
        List<String> head = new ArrayList<>();
        head.add("severity");
        head.addAll(labels());
        table(head, rows -> {
            for (String s : sev) {
                List<String> r = new ArrayList<>();
                r.add(s);
                for (Map<String, Integer> m : a.bySeverity()) r.add(m == null ? "—" : Integer.toString(m.getOrDefault(s, 0)));
                rows.add(r);
            }
        });
        if (a.byHost() != null) {
            sb.append("<h3>Rules failing or warning on a host (").append(a.byHost().size()).append(")</h3>\n");
            List<String> h = new ArrayList<>(List.of("rule", "finding"));
            h.addAll(labels());
            table(h, rows -> {
                for (Comparison.HostRow r : a.byHost()) {
                    List<String> row = new ArrayList<>(List.of(r.id(), str(r.title())));
                    for (String s : r.severities()) row.add(s == null ? "—" : s);
                    rows.add(row);
                }
            });
            end();
            return;
        }
        findings("Fixed", a.fixed());
        findings("New", a.introduced());
        findings(many() ? "Still failing" : "Failing and warnings", a.stillFailing());
        end();
    }

    private void findings(String heading, List<Comparison.Finding> fs) {
        if (fs.isEmpty()) return;
        sb.append("<h3>").append(esc(heading)).append(" (").append(fs.size()).append(")</h3>\n");
        table(many() ? List.of("rule", "finding", "before", "after") : List.of("rule", "finding", "result"), rows -> {
            for (Comparison.Finding f : fs) {
                rows.add(many() ? List.of(f.id(), f.title(), str(f.before()), str(f.after())) : List.of(f.id(), f.title(), str(f.after())));
            }
        });
    }

    private void latency() {
        section("latency", "Wake-up latency (cyclictest)");
        if (c.latency().isEmpty()) {
            absent("No cyclictest run in " + (many() ? "any bundle" : "the bundle") + " (" + missingOf("latency") + ").");
            end();
            return;
        }
        List<String> head = new ArrayList<>(List.of("CPU"));
        for (String l : labels()) head.addAll(List.of(l + " min", "avg", "p99", "p99.9", "max"));
        if (many()) head.addAll(List.of("max ratio", "p99 ratio"));
        table(head, rows -> {
            for (Comparison.LatencyRow r : c.latency()) {
                List<String> row = new ArrayList<>(List.of(Integer.toString(r.cpu())));
                for (Comparison.LatencyStats s : r.perBundle()) {
                    if (s == null) row.addAll(List.of("—", "—", "—", "—", "—"));
                    else row.addAll(List.of(Long.toString(s.min()), fmt(s.avg()), str(s.p99()), str(s.p999()), s.max() + (s.overflows() > 0 ? " (" + s.overflows() + " over)" : "")));
                }
                if (many()) row.addAll(List.of(ratio(r.maxRatio()), ratio(r.p99Ratio())));
                rows.add(row);
            }
        });
        sb.append("<p class=\"note\">Microseconds. Ratios are the last run over the first: below 1 is better.</p>\n");
        List<HistogramChart.Series> series = new ArrayList<>();
        for (int i = 0; i < c.bundles().size(); i++) {
            long[] sum = null;
            long over = 0;
            for (Comparison.LatencyRow r : c.latency()) {
                Comparison.LatencyStats s = r.perBundle().get(i);
                if (s == null || s.histogram() == null) continue;
                if (sum == null) sum = new long[s.histogram().length];
                if (s.histogram().length > sum.length) sum = java.util.Arrays.copyOf(sum, s.histogram().length);
                for (int k = 0; k < s.histogram().length; k++) sum[k] += s.histogram()[k];
                over += s.overflows();
            }
            if (sum != null) series.add(new HistogramChart.Series(c.bundles().get(i).label(), sum, over));
        }
        if (!series.isEmpty()) figure(HistogramChart.svg("Latency histogram, all measured CPUs", series), "Latency histograms of the runs, log count by microseconds");
        end();
    }

    private void cpus() {
        section("cpus", "Timer ticks and IPIs per CPU");
        if (c.cpus().isEmpty()) {
            absent("No ticks or irq part (" + missingOf("ticks") + ").");
            end();
            return;
        }
        List<String> kinds = List.of("LOC", "RES", "CAL", "TLB");
        List<String> head = new ArrayList<>(List.of("CPU", "flags"));
        for (String l : labels()) {
            for (String k : kinds) head.add((k.equals("LOC") ? l + " " : "") + k + "/s");
            head.add("device IRQs/s");
        }
        table(head, rows -> {
            for (Comparison.CpuRow r : c.cpus()) {
                List<String> row = new ArrayList<>(List.of(Integer.toString(r.cpu()), r.flags().isEmpty() ? "" : String.join(" ", r.flags())));
                for (int i = 0; i < c.bundles().size(); i++) {
                    Map<String, Double> per = r.perSecond().get(i);
                    for (String k : kinds) row.add(per == null || !per.containsKey(k) ? "—" : fmt(per.get(k)));
                    Double d = r.deviceIrqsPerSecond().get(i);
                    row.add(d == null ? "—" : fmt(d));
                }
                rows.add(row);
            }
        });
        sb.append("<p class=\"note\">LOC is the local timer tick (seed 000: an isolated, nohz_full CPU should show about 1 per second with one task on it); RES, CAL and TLB are IPIs sent to the CPU.</p>\n");
        end();
    }

    private void irqs() {
        section("irqs", "Busiest device interrupts");
        if (c.irqs().isEmpty()) {
            absent(c.cpus().isEmpty() ? "No irq part (" + missingOf("irq") + ")." : "No device interrupt fired during the windows.");
            end();
            return;
        }
        List<String> head = new ArrayList<>(List.of("IRQ", "name"));
        for (String l : labels()) head.addAll(List.of(l + " per s", "on CPUs"));
        table(head, rows -> {
            for (Comparison.IrqRow r : c.irqs()) {
                List<String> row = new ArrayList<>(List.of(r.irq(), str(r.name())));
                for (int i = 0; i < c.bundles().size(); i++) {
                    row.add(r.rate().get(i) == null ? "—" : fmt(r.rate().get(i)));
                    row.add(str(r.landedOn().get(i)));
                }
                rows.add(row);
            }
        });
        end();
    }

    private void exits() {
        section("exits", "VM exits by reason");
        if (c.vms().isEmpty()) {
            absent("No VM was watched (" + missingOf("exits") + ").");
            end();
            return;
        }
        for (Comparison.VmSection v : c.vms()) {
            sb.append("<h3>").append(esc(v.name())).append("</h3>\n");
            boolean any = v.exits().stream().anyMatch(e -> e != null && e.events() > 0);
            for (int i = 0; i < v.exits().size(); i++) {
                Comparison.ExitsColumn e = v.exits().get(i);
                if (e != null && e.events() == 0) {
                    absent(c.bundles().get(i).label() + ": no exit seen" + (e.note() == null ? "" : " (" + e.note() + ")"));
                }
            }
            if (!any) continue;
            List<String> head = new ArrayList<>(List.of("reason"));
            for (String l : labels()) head.add(l + " per s");
            if (many()) head.add("ratio");
            table(head, rows -> {
                for (Comparison.ExitRow r : v.exitReasons()) {
                    List<String> row = new ArrayList<>(List.of(r.reason()));
                    for (int i = 0; i < r.count().size(); i++) {
                        row.add(r.perSecond().get(i) != null ? fmt(r.perSecond().get(i)) : r.count().get(i) != null ? r.count().get(i) + " (count)" : "—");
                    }
                    if (many()) row.add(ratio(r.ratio()));
                    rows.add(row);
                }
            });
            Map<String, double[]> values = new LinkedHashMap<>();
            boolean rates = v.exitReasons().stream().allMatch(r -> r.perSecond().stream().allMatch(Objects::nonNull));
            for (Comparison.ExitRow r : v.exitReasons().subList(0, Math.min(12, v.exitReasons().size()))) {
                double[] d = new double[r.count().size()];
                for (int i = 0; i < d.length; i++) {
                    Number n = rates ? r.perSecond().get(i) : r.count().get(i);
                    d[i] = n == null ? 0 : n.doubleValue();
                }
                values.put(r.reason(), d);
            }
            figure(ExitChart.svg("VM exits of " + v.name(), labels(), values, rates ? "per s" : "count"), "VM exits of " + v.name() + " by reason, per run");
        }
        end();
    }

    private void runDelay() {
        section("rundelay", "vCPU run delay");
        boolean any = c.vms().stream().anyMatch(v -> !v.vcpuWait().isEmpty());
        if (!any) {
            absent("No thread part (" + missingOf("threads") + ").");
            end();
            return;
        }
        sb.append("<p class=\"note\">The share of the window each vCPU thread waited runnable on a host run queue (/proc/PID/task/TID/schedstat, seed 003). A waiting vCPU is a guest whose CPU stands still.</p>\n");
        for (Comparison.VmSection v : c.vms()) {
            if (v.vcpuWait().isEmpty()) continue;
            sb.append("<h3>").append(esc(v.name())).append("</h3>\n");
            boolean perf = v.vcpuWait().stream().anyMatch(w -> w.perfMaxDelayMs().stream().anyMatch(Objects::nonNull));
            List<String> head = new ArrayList<>(List.of("thread"));
            for (String l : labels()) {
                head.addAll(List.of(l + " wait", "ms"));
                if (perf) head.addAll(List.of("perf sched avg ms", "max ms"));
            }
            table(head, rows -> {
                for (Comparison.VcpuWait w : v.vcpuWait()) {
                    List<String> row = new ArrayList<>(List.of(w.thread()));
                    for (int i = 0; i < w.waitShare().size(); i++) {
                        row.add(w.waitShare().get(i) == null ? "—" : String.format(Locale.ROOT, "%.2f%%", 100 * w.waitShare().get(i)));
                        row.add(w.waitMs().get(i) == null ? "—" : fmt(w.waitMs().get(i)));
                        if (perf) {
                            row.add(w.perfAvgDelayMs().get(i) == null ? "—" : String.format(Locale.ROOT, "%.3f", w.perfAvgDelayMs().get(i)));
                            row.add(w.perfMaxDelayMs().get(i) == null ? "—" : String.format(Locale.ROOT, "%.3f", w.perfMaxDelayMs().get(i)));
                        }
                    }
                    rows.add(row);
                }
            });
        }
        end();
    }

    private void memory() {
        section("memory", "Memory per VM");
        boolean any = c.vms().stream().anyMatch(v -> v.memory().stream().anyMatch(Objects::nonNull));
        if (!any) {
            absent("No memory part for a watched VM (" + missingOf("mem") + ").");
            end();
            return;
        }
        List<String> head = new ArrayList<>(List.of("VM"));
        for (String l : labels()) head.addAll(List.of(l + " RSS", "PSS", "hugetlb", "guest RAM", "backing", "NUMA local"));
        table(head, rows -> {
            for (Comparison.VmSection v : c.vms()) {
                List<String> row = new ArrayList<>(List.of(v.name()));
                for (Comparison.MemoryColumn m : v.memory()) {
                    if (m == null) row.addAll(List.of("—", "—", "—", "—", "—", "—"));
                    else row.addAll(List.of(kb(m.rssKb()), kb(m.pssKb()), kb(m.hugetlbKb()), kb(m.guestKb()), str(m.backing()),
                            m.localPercent() == null ? "—" : fmt(m.localPercent()) + "%"));
                }
                rows.add(row);
            }
        });
        end();
    }

    private void flames() {
        section("flames", "Flame graphs of QEMU");
        boolean any = false;
        for (Comparison.VmSection v : c.vms()) {
            for (int i = 0; i < v.flames().size(); i++) {
                if (v.flames().get(i) == null) continue;
                Bundle b = bundles.get(i);
                Path svg = b.dir().resolve(Path.of(v.flames().get(i)).getFileName());
                any = true;
                sb.append("<h3>").append(esc(v.name())).append(" — ").append(esc(b.label())).append("</h3>\n");
                embedFlame(svg, v.name() + " in " + b.label());
            }
        }
        if (!any) absent("No flame graph in " + (many() ? "any bundle" : "the bundle") + " (" + missingOf("flame") + ").");
        else sb.append("<p class=\"note\">Click a frame to zoom, Reset Zoom to go back, Search (Ctrl-F inside the graph) to highlight frames by regular expression.</p>\n");
        end();
    }

    private void embedFlame(Path svg, String what) {
        try {
            long size = Files.size(svg);
            if (size > FLAME_EMBED_LIMIT) {
                absent(svg.getFileName() + " is " + (size >> 20) + " MiB, over the " + (FLAME_EMBED_LIMIT >> 20) + " MiB embedded in a report: open it beside the report.");
                return;
            }
            byte[] bytes = Files.readAllBytes(svg);
            String head = new String(bytes, 0, Math.min(bytes.length, 2048), java.nio.charset.StandardCharsets.UTF_8);
            Matcher m = SVG_SIZE.matcher(head);
            String ratio = m.find() ? m.group(1) + " / " + m.group(2) : "1200 / 600";
            sb.append("<figure class=\"flame\"><object type=\"image/svg+xml\" style=\"aspect-ratio: ").append(ratio).append("\" aria-label=\"Flame graph of ")
                    .append(esc(what)).append("\" data=\"data:image/svg+xml;base64,").append(Base64.getEncoder().encodeToString(bytes))
                    .append("\"></object><figcaption>").append(esc(svg.getFileName().toString())).append("</figcaption></figure>\n");
        } catch (IOException e) {
            throw BadInputException.reading(svg, e);
        }
    }

    private void missing() {
        section("missing", "What the bundles lack");
        boolean any = false;
        for (Comparison.Column col : c.bundles()) {
            if (col.missing().isEmpty()) continue;
            any = true;
            sb.append("<h3>").append(esc(col.label())).append("</h3>\n<ul>");
            col.missing().forEach((k, v) -> sb.append("<li><strong>").append(esc(k)).append("</strong>: ").append(esc(v)).append("</li>"));
            sb.append("</ul>\n");
        }
        if (!any) absent("Nothing: every part of every bundle is there.");
        end();
    }

    // ---- helpers ----

    private String missingOf(String part) {
        List<String> out = new ArrayList<>();
        for (Comparison.Column col : c.bundles()) {
            String m = col.missing().get(part);
            if (m == null) {
                for (Map.Entry<String, String> e : col.missing().entrySet()) if (e.getKey().startsWith(part + " ")) m = e.getValue();
            }
            if (m != null) out.add((many() ? col.label() + ": " : "") + m);
        }
        return out.isEmpty() ? "nothing recorded" : String.join("; ", out);
    }

    private interface Rows {
        void fill(List<List<String>> rows);
    }

    private void table(List<String> head, Rows fill) {
        List<List<String>> rows = new ArrayList<>();
        fill.fill(rows);
        sb.append("<div class=\"scroll\"><table>\n<thead><tr>");
        for (String h : head) sb.append("<th scope=\"col\">").append(esc(h)).append("</th>");
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : rows) {
            sb.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                String cell = r.get(i);
                if (i == 0) sb.append("<th scope=\"row\">").append(esc(cell)).append("</th>");
                else sb.append("<td>").append(esc(cell)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n");
    }

    private void figure(String svg, String label) {
        String s = svg.replaceFirst("^<\\?xml[^>]*>\\s*", "").replaceFirst("<svg ", "<svg role=\"img\" aria-label=\"" + esc(label) + "\" ");
        sb.append("<figure class=\"chart\">").append(s).append("</figure>\n");
    }

    private static String ratio(Double r) {
        return r == null ? "—" : String.format(Locale.ROOT, "%.2f×", r);
    }

    private static String kb(Long v) {
        if (v == null) return "—";
        if (v >= 1 << 20) return String.format(Locale.ROOT, "%.1f GiB", v / 1048576.0);
        if (v >= 1 << 10) return String.format(Locale.ROOT, "%.1f MiB", v / 1024.0);
        return v + " KiB";
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,d", (long) v);
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.0f" : "%.2f", v);
    }

    private static String str(Object o) {
        return o == null ? "—" : o.toString();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (ch < 0x20 && ch != '\n' && ch != '\t') b.append('?');
                    else b.append(ch);
                }
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            :root { color-scheme: light; }
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff; margin: 0; }
            header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 16px; }
            h1 { font-size: 1.5rem; margin: 20px 0 8px; }
            h2 { font-size: 1.2rem; border-bottom: 2px solid #2a4d7a; padding-bottom: 4px; margin-top: 32px; }
            h3 { font-size: 1.02rem; margin: 18px 0 6px; }
            nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 8px; }
            a { color: #1d4f91; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
            th, td { border: 1px solid #c8c8c8; padding: 3px 8px; text-align: right; white-space: nowrap; }
            th[scope=col] { background: #eef2f7; }
            th[scope=row] { text-align: left; font-weight: 600; }
            .absent, .note { color: #444; }
            .absent { font-style: italic; }
            .mono { font-family: ui-monospace, monospace; }
            ul.verdicts { padding-left: 0; list-style: none; }
            ul.verdicts li { padding: 6px 10px; margin: 4px 0; border-left: 6px solid #777; background: #f5f5f5; }
            li.good { border-color: #1b7a35 !important; color: #14532a; }
            li.bad { border-color: #b3261e !important; color: #7d1a15; }
            li.mixed { border-color: #9a6700 !important; }
            figure { margin: 10px 0; }
            figure.chart svg { max-width: 100%; height: auto; }
            figure.flame object { width: 100%; display: block; border: 1px solid #ddd; }
            figcaption { color: #444; font-size: 0.9rem; }
            footer { color: #444; font-size: 0.9rem; margin-top: 40px; padding-bottom: 30px; }
            @media (max-width: 700px) { body { font-size: 14px; } th, td { padding: 2px 5px; } }
            """;
}
