package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.irq.InterruptsReader;
import dev.kvmtune.facts.irq.IrqAffinityReader.IrqAffinity;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Where interrupts are delivered (Documentation/core-api/irq/irq-affinity.rst). Key
 * {@code movable}: every numbered IRQ's effective affinity lies within the expected CPUs, except
 * kernel-managed ones (multiqueue devices spread by the kernel; recognized when debugfs shows
 * {@code AFFINITY_MANAGED}), which cannot be moved and are only shown. The per-CPU system
 * interrupts (LOC, RES, CAL, TLB ...) cannot move either: their counts on the other CPUs are
 * shown as evidence, never failed. Key {@code default}: {@code proc/irq/default_smp_affinity},
 * which new IRQs start with. Key {@code irq/N} (written by {@code kvmtune irq --plan}): IRQ N's
 * smp_affinity_list within the expected CPUs; the plan's title holds the IRQ's handlers as
 * /proc/interrupts names them, and apply leaves the IRQ alone when they differ (IRQ numbers are
 * handed out anew at each boot and each driver load).
 */
final class IrqAffinitySetting implements SettingKind, Applied {
    private static final String[] PER_CPU_SHOWN = {"LOC", "RES", "CAL", "TLB", "IWI", "PIN", "NPI", "PIW"};

    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        CpuSet want = CpuSet.parseList(ctx.expand(spec.expected()));
        return switch (spec.key()) {
            case "movable" -> movable(ctx, spec, want);
            case "default" -> defaultAffinity(ctx, spec, want);
            default -> {
                if (irqNumber(spec.key()) == null) {
                    throw new BadInputException("profile setting irq-affinity '" + spec.key() + "': the key is 'movable', 'default' or 'irq/N'");
                }
                yield one(ctx, spec, want);
            }
        };
    }

    private static Finding movable(AuditContext ctx, SettingSpec spec, CpuSet want) {
        var irqs = ctx.facts().interrupts();
        List<String> bad = new ArrayList<>();
        List<String> managed = new ArrayList<>();
        int checked = 0;
        for (IrqAffinity a : irqs.affinity()) {
            CpuSet eff = a.effective().isPresent() ? a.effective().value() : a.affinity().orElse(null);
            if (eff == null) continue;
            checked++;
            if (want.containsAll(eff)) continue;
            String debug = "sys/kernel/debug/irq/irqs/" + a.irq();
            boolean isManaged = ctx.root().read(debug).map(t -> t.contains("AFFINITY_MANAGED")).orElse(false);
            String line = "irq " + a.irq() + name(irqs.table(), a.irq()) + " effective " + eff;
            // x86 moves an IRQ when it next fires, so a new affinity shows in effective_affinity only then
            CpuSet asked = a.affinity().orElse(null);
            if (asked != null && want.containsAll(asked)) line += " (smp_affinity_list " + asked + ": moves when it next fires)";
            if (isManaged) managed.add(line + " (kernel-managed, cannot move)");
            else bad.add(line);
        }
        List<String> evidence = new ArrayList<>();
        evidence.add("proc/irq/*/effective_affinity_list: " + checked + " IRQs read");
        evidence.addAll(bad.subList(0, Math.min(bad.size(), 20)));
        evidence.addAll(managed);
        String perCpu = perCpuOutside(irqs.table(), want);
        if (!perCpu.isEmpty()) evidence.add("per-CPU interrupts (cannot move) outside " + want + ": " + perCpu);
        String expected = "every movable IRQ's effective affinity within " + want;
        if (checked == 0) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "no readable IRQ affinity (need root?)", null, false);
        }
        boolean ok = bad.isEmpty();
        Finding.Fix fix = ok ? null : new Finding.Fix(
                "for i in /proc/irq/[0-9]*; do echo " + want + " > $i/smp_affinity_list 2>/dev/null; done",
                "irqaffinity=" + want + " on the kernel command line; IRQBALANCE_BANNED_CPULIST for irqbalance");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected,
                ok ? "none outside" + (managed.isEmpty() ? "" : " (" + managed.size() + " kernel-managed shown)") : bad.size() + " IRQs outside " + want,
                fix, false);
    }

    private static Finding one(AuditContext ctx, SettingSpec spec, CpuSet want) {
        String path = "proc/irq/" + irqNumber(spec.key()) + "/smp_affinity_list";
        var v = dev.kvmtune.facts.source.Sourced.read(ctx.root(), path, String::strip);
        List<String> evidence = List.of(path + " = " + v);
        String expected = "within " + want;
        if (!v.isPresent()) return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not available (" + v + ")", null, false);
        CpuSet actual;
        try {
            actual = CpuSet.parseList(v.value());
        } catch (IllegalArgumentException e) {
            return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not a CPU list: " + v.value(), null, false);
        }
        boolean ok = want.containsAll(actual);
        Finding.Fix fix = ok ? null : new Finding.Fix("echo " + want + " > /" + path, "IRQBALANCE_BANNED_CPULIST for irqbalance");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, actual.toList(), fix, false);
    }

    /** N of a key {@code irq/N}, or null. */
    static Integer irqNumber(String key) {
        if (!key.startsWith("irq/")) return null;
        long n = Numbers.parseLong(key.substring(4), -1);
        return n < 0 || n > 1_000_000 || !key.substring(4).equals(Long.toString(n)) ? null : (int) n;
    }

    @Override
    public void checkKey(String key) {
        if (!key.equals("movable") && !key.equals("default") && irqNumber(key) == null) {
            throw new IllegalArgumentException("irq-affinity setting '" + key + "': the key is 'movable', 'default' or 'irq/N'");
        }
    }

    private static Finding defaultAffinity(AuditContext ctx, SettingSpec spec, CpuSet want) {
        var d = ctx.facts().interrupts().defaultAffinity();
        List<String> evidence = List.of(d.source() + " = " + d);
        String expected = "default_smp_affinity within " + want;
        if (!d.isPresent()) return SettingKinds.finding(spec, Severity.INFO, evidence, expected, "not available (" + d + ")", null, false);
        // the mask file spans every possible CPU; only the online ones matter
        CpuSet actual = d.value().intersect(ctx.facts().cpu().online());
        boolean ok = want.containsAll(actual);
        Finding.Fix fix = ok ? null : new Finding.Fix("echo " + want.toMask(ctx.facts().cpu().lastCpu() + 1) + " > /proc/irq/default_smp_affinity",
                "irqaffinity=" + want + " on the kernel command line");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec), evidence, expected, actual.toList(), fix, false);
    }

    private static String name(InterruptsReader.Table t, int irq) {
        if (t == null) return "";
        InterruptsReader.Row r = t.row(Integer.toString(irq));
        return r == null || r.actions().isEmpty() ? "" : " (" + String.join(",", r.actions()) + ")";
    }

    private static String perCpuOutside(InterruptsReader.Table t, CpuSet want) {
        if (t == null) return "";
        List<String> out = new ArrayList<>();
        for (String id : PER_CPU_SHOWN) {
            InterruptsReader.Row r = t.row(id);
            if (r == null) continue;
            long n = 0;
            for (int i = 0; i < t.cpus().size() && i < r.counts().length; i++) {
                if (!want.contains(t.cpus().get(i))) n += r.counts()[i];
            }
            if (n > 0) out.add(id + " " + n);
        }
        return String.join(", ", out);
    }

    /**
     * {@code default}: the mask new IRQs get; {@code movable}: every IRQ's affinity list. The kernel
     * keeps some IRQs where they are (per-CPU, managed); those are reported, not failed.
     */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        HostAccess h = c.host();
        CpuSet set = CpuSet.parseList(d.value());
        if (d.key().equals("default")) {
            String path = "proc/irq/default_smp_affinity";
            if (!h.exists(path)) return Changes.none(d, false, "/" + path + " does not exist; left out");
            return Changes.of(d, List.of(new Change.Value(d.label(), path, set.toMask(c.cpus()), Change.Compare.CPUMASK, List.of(), false)), null);
        }
        Integer one = irqNumber(d.key());
        if (one != null) {
            String path = "proc/irq/" + one + "/smp_affinity_list";
            if (!h.exists(path)) return Changes.none(d, false, "/" + path + " does not exist (the IRQ was freed): left out");
            if (d.title() != null && !d.title().isEmpty()) {
                InterruptsReader.Table table = c.interrupts().get();
                InterruptsReader.Row row = table == null ? null : table.row(one.toString());
                String now = row == null ? "" : String.join(",", row.actions());
                if (!now.equals(d.title())) {
                    return Changes.none(d, false, "IRQ " + one + " is '" + now + "' now, the plan was made for '" + d.title()
                            + "': left alone (plan again: kvmtune irq --plan)");
                }
            }
            return Changes.of(d, List.of(new Change.Value(d.label(), path, set.toList(), Change.Compare.CPULIST, List.of(), true)), null);
        }
        List<Change> out = new ArrayList<>();
        List<String> irqs = new ArrayList<>(h.root().list("proc/irq").stream().filter(n -> n.matches("\\d+")).toList());
        irqs.sort((a, b) -> Long.compare(Numbers.parseLong(a, Long.MAX_VALUE), Numbers.parseLong(b, Long.MAX_VALUE)));
        for (String irq : irqs) {
            String path = "proc/irq/" + irq + "/smp_affinity_list";
            if (h.exists(path)) out.add(new Change.Value(d.label(), path, set.toList(), Change.Compare.CPULIST, List.of(), true));
        }
        return Changes.of(d, out, out.isEmpty() ? "no IRQ directories under /proc/irq" : null);
    }
}
