package dev.kvmtune.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.exits.ExitDiagnosis;
import dev.kvmtune.exits.ExitProfile;
import dev.kvmtune.exits.ExitReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text for {@code exits report} and {@code exits diff}. */
final class ExitsText {
    private ExitsText() {
    }

    static String report(ExitReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.input()).append(" (").append(r.format()).append(r.isa() == null ? "" : ", " + r.isa()).append(")");
        if (r.seconds() != null) sb.append(String.format(Locale.ROOT, ", %.3f s from %s", r.seconds(), r.secondsFrom()));
        sb.append('\n');
        if (r.vm() != null && r.vm().name() != null) {
            sb.append("VM ").append(r.vm().name()).append(r.vm().pid() == null ? "" : " (pid " + r.vm().pid() + ")");
            if (!r.vm().nics().isEmpty()) sb.append(", NIC ").append(String.join(" ", r.vm().nics()));
            if (!r.vm().disks().isEmpty()) sb.append(", disk ").append(String.join(" ", r.vm().disks()));
            if (r.vm().vcpuCpus() != null) sb.append(", vCPU CPUs ").append(r.vm().vcpuCpus());
            sb.append('\n');
        }
        if (r.sources() != null) {
            for (ExitProfile.Source s : r.sources()) sb.append("  source ").append(s.name()).append(": ").append(s.status()).append(" — ").append(s.detail()).append('\n');
        }
        sb.append('\n');
        if (!r.reasons().isEmpty()) {
            boolean timed = r.reasons().stream().anyMatch(x -> x.avgUs() != null);
            boolean rate = r.seconds() != null;
            int w = Math.max(20, r.reasons().stream().mapToInt(x -> x.reason().length()).max().orElse(0));
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %12s %8s", "REASON", "COUNT", "SHARE"));
            if (rate) sb.append(String.format(Locale.ROOT, " %12s", "PER SEC"));
            if (timed) sb.append(String.format(Locale.ROOT, " %10s %10s %12s %7s", "MIN us", "AVG us", "MAX us", "TIME%"));
            sb.append('\n');
            for (ExitReport.Reason x : r.reasons()) {
                sb.append(String.format(Locale.ROOT, "%-" + w + "s %12d %7.2f%%", x.reason(), x.count(), x.share()));
                if (rate) sb.append(String.format(Locale.ROOT, " %12.1f", x.perSecond()));
                if (timed) {
                    if (x.avgUs() == null) sb.append(String.format(Locale.ROOT, " %10s %10s %12s %7s", "-", "-", "-", "-"));
                    else sb.append(String.format(Locale.ROOT, " %10.2f %10.2f %12.2f %6.2f%%", x.minUs(), x.avgUs(), x.maxUs(), x.timeShare()));
                }
                sb.append('\n');
            }
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %12d", "total", r.events()));
            if (rate) sb.append(String.format(Locale.ROOT, " %8s %12.1f", "", r.eventsPerSecond()));
            sb.append("\n\n");
        } else {
            sb.append("No exit reasons in this input.\n\n");
        }
        if (!r.counters().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%-22s %14s%s%n", "KVM COUNTER", "DELTA", r.seconds() != null ? String.format(Locale.ROOT, " %12s", "PER SEC") : ""));
            for (ExitReport.Counter c : r.counters()) {
                sb.append(String.format(Locale.ROOT, "%-22s %14d", c.name(), c.delta()));
                if (c.perSecond() != null) sb.append(String.format(Locale.ROOT, " %12.1f", c.perSecond()));
                if (c.perVcpu() != null && !c.perVcpu().isEmpty()) sb.append("   ").append(perVcpu(c.perVcpu()));
                sb.append('\n');
            }
            sb.append('\n');
        }
        if (!r.msrs().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%-12s %-28s %10s %10s %10s %7s%s%n", "MSR", "NAME", "READS", "WRITES", "R/W?", "SHARE",
                    r.seconds() != null ? String.format(Locale.ROOT, " %10s", "PER SEC") : ""));
            for (ExitReport.Msr m : r.msrs()) {
                sb.append(String.format(Locale.ROOT, "%-12s %-28s %10d %10d %10d %6.2f%%", m.msr(), m.name() == null ? "" : m.name(), m.reads(), m.writes(),
                        m.unspecified(), m.share()));
                if (m.perSecond() != null) sb.append(String.format(Locale.ROOT, " %10.1f", m.perSecond()));
                sb.append('\n');
            }
            sb.append('\n');
        }
        if (r.perVcpu() != null) {
            if (r.perVcpu().isEmpty()) sb.append("No per-vCPU data in this input.\n\n");
            else {
                sb.append(String.format(Locale.ROOT, "%-34s %12s%s  %s%n", "VCPU / THREAD", "EXITS", r.seconds() != null ? String.format(Locale.ROOT, " %12s", "PER SEC") : "", "TOP REASONS"));
                for (ExitReport.Vcpu v : r.perVcpu()) {
                    sb.append(String.format(Locale.ROOT, "%-34s %12d", v.vcpu(), v.events()));
                    if (v.perSecond() != null) sb.append(String.format(Locale.ROOT, " %12.1f", v.perSecond()));
                    sb.append("  ").append(perVcpu(v.top())).append('\n');
                }
                sb.append('\n');
            }
        }
        if (!r.diagnosis().isEmpty()) {
            sb.append("Diagnosis\n");
            for (ExitDiagnosis.Finding f : r.diagnosis()) {
                sb.append("  [").append(f.severity()).append("] ").append(f.id()).append(": ").append(f.evidence()).append('\n');
                sb.append("    why: ").append(f.why()).append('\n');
                sb.append("    fix: ").append(f.fix()).append('\n');
                if (f.cost() != null) sb.append("    cost: ").append(f.cost()).append('\n');
            }
        }
        for (String n : r.notes()) sb.append("note: ").append(n).append('\n');
        return sb.toString();
    }

    private static String perVcpu(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    /** One reason (or counter, or MSR) across runs: value per run (rate or count) and ratio to the first run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Row(String name, List<Double> values, List<Double> ratios) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Comparison(List<String> labels, List<String> inputs, String unit, List<Double> totals, List<Row> rows, List<Row> counters, List<Row> msrs) {
    }

    static Comparison compare(List<ExitProfile> ps) {
        boolean rates = ps.stream().allMatch(p -> p.seconds() != null && p.seconds() > 0);
        List<String> labels = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<Double> totals = new ArrayList<>();
        List<Map<String, Double>> reasons = new ArrayList<>();
        List<Map<String, Double>> counters = new ArrayList<>();
        List<Map<String, Double>> msrs = new ArrayList<>();
        for (ExitProfile p : ps) {
            inputs.add(p.input());
            labels.add(label(p.input()));
            double div = rates ? p.seconds() : 1;
            totals.add(round(p.events() / div));
            Map<String, Double> r = new LinkedHashMap<>();
            for (ExitProfile.ReasonRow x : p.reasons()) r.merge(x.reason(), x.count() / div, Double::sum);
            reasons.add(r);
            Map<String, Double> c = new LinkedHashMap<>();
            for (ExitProfile.CounterRow x : p.counters()) c.put(x.name(), x.delta() / div);
            counters.add(c);
            Map<String, Double> m = new LinkedHashMap<>();
            for (ExitProfile.MsrRow x : p.msrs()) m.put(x.msr() + (x.name() == null ? "" : " " + x.name()), x.total() / div);
            msrs.add(m);
        }
        return new Comparison(labels, inputs, rates ? "exits per second" : "exits (count; give --duration for rates)", totals,
                rows(reasons), rows(counters), rows(msrs));
    }

    private static List<Row> rows(List<Map<String, Double>> runs) {
        List<Row> out = new ArrayList<>();
        for (var e : dev.kvmtune.exits.ExitChart.rows(runs).entrySet()) {
            List<Double> v = new ArrayList<>();
            List<Double> ratio = new ArrayList<>();
            double base = e.getValue()[0];
            for (double x : e.getValue()) {
                v.add(round(x));
                ratio.add(base == 0 ? null : round(x / base));
            }
            out.add(new Row(e.getKey(), v, ratio));
        }
        return out;
    }

    private static String label(String input) {
        String n = input.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1);
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static String diff(Comparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("Values: ").append(c.unit()).append("; ×N = ratio to ").append(c.labels().get(0)).append('\n');
        for (int i = 0; i < c.labels().size(); i++) sb.append("  ").append(c.labels().get(i)).append(": ").append(c.inputs().get(i)).append('\n');
        sb.append('\n');
        table(sb, "REASON", c.labels(), c.rows(), c.totals());
        if (!c.counters().isEmpty()) table(sb, "KVM COUNTER", c.labels(), c.counters(), null);
        if (!c.msrs().isEmpty()) table(sb, "MSR", c.labels(), c.msrs(), null);
        return sb.toString();
    }

    private static void table(StringBuilder sb, String head, List<String> labels, List<Row> rows, List<Double> totals) {
        if (rows.isEmpty()) return;
        int w = Math.max(head.length(), rows.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        int cw = Math.max(18, labels.stream().mapToInt(String::length).max().orElse(0) + 2);
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", head));
        for (String l : labels) sb.append(String.format(Locale.ROOT, " %" + cw + "s", l));
        sb.append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", r.name()));
            for (int i = 0; i < r.values().size(); i++) sb.append(String.format(Locale.ROOT, " %" + cw + "s", cell(r.values().get(i), i == 0 ? null : r.ratios().get(i))));
            sb.append('\n');
        }
        if (totals != null) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", "total"));
            for (int i = 0; i < totals.size(); i++) {
                Double ratio = i == 0 || totals.get(0) == 0 ? null : round(totals.get(i) / totals.get(0));
                sb.append(String.format(Locale.ROOT, " %" + cw + "s", cell(totals.get(i), ratio)));
            }
            sb.append('\n');
        }
        sb.append('\n');
    }

    private static String cell(Double v, Double ratio) {
        String s = v == null ? "-" : v == Math.rint(v) ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.1f", v);
        if (ratio != null) s += String.format(Locale.ROOT, " (×%.2f)", ratio);
        return s;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
