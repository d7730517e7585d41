package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.proc.ThreadsReader.KernelThread;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Scheduling of kernel threads chosen by a name regex (the key, e.g. {@code ^ksoftirqd/}), as
 * tuned's [scheduler] groups choose them. Expected is {@code POLICY[:PRIORITY]} and/or
 * {@code affinity=LIST}: {@code fifo:2}, {@code other}, {@code * affinity=0-1}. With
 * {@code cpus} set, only the per-CPU threads bound to those CPUs are checked; per-CPU threads are
 * never asked to change affinity (they cannot leave their CPU).
 */
public final class ThreadSchedSetting implements SettingKind, Applied {

    /** The parsed expectation; policy null means any. */
    public record Want(SchedPolicy policy, int priority, CpuSet affinity) {
        public static Want parse(String text, String where) {
            SchedPolicy policy = null;
            int prio = -1;
            CpuSet aff = null;
            for (String tok : text.strip().split("\\s+")) {
                try {
                    if (tok.startsWith("affinity=")) {
                        aff = CpuSet.parseList(tok.substring(9));
                    } else if (!tok.equals("*")) {
                        String[] pp = tok.split(":", 2);
                        policy = SchedPolicy.valueOf(pp[0].toUpperCase(Locale.ROOT));
                        if (pp.length == 2) prio = Integer.parseInt(pp[1]);
                    }
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(where + ": expected '" + text + "' is not POLICY[:PRIORITY] and/or affinity=LIST ('" + tok + "')");
                }
            }
            return new Want(policy, prio, aff);
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (policy != null) parts.add(policy.chrtName() + (priority >= 0 ? " " + priority : ""));
            if (affinity != null) parts.add("unbound ones allowed only on " + affinity);
            return String.join(", ", parts);
        }
    }

    @Override
    public Finding check(AuditContext ctx, SettingSpec spec) {
        Pattern name;
        try {
            name = Pattern.compile(spec.key());
        } catch (PatternSyntaxException e) {
            throw new BadInputException("profile setting thread-sched '" + spec.key() + "': not a regular expression: " + e.getDescription());
        }
        Want want = Want.parse(ctx.expand(spec.expected()), "profile setting thread-sched '" + spec.key() + "'");
        CpuSet only = spec.cpus() == null ? null : CpuSet.parseList(ctx.expand(spec.cpus()));
        List<String> evidence = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (KernelThread k : ctx.facts().threads().kernel()) {
            if (!name.matcher(k.name()).find()) continue;
            if (only != null && (k.boundCpu() < 0 || !only.contains(k.boundCpu()))) continue;
            String now = k.name() + " (pid " + k.pid() + ") " + k.policy().chrtName() + " " + k.priority()
                    + (k.boundCpu() < 0 && k.allowed() != null ? " allowed " + k.allowed() : "");
            evidence.add(now + " [" + k.source() + "]");
            List<String> why = new ArrayList<>();
            if (want.policy() != null && k.policy() != want.policy()) why.add("policy");
            if (want.priority() >= 0 && k.priority() != want.priority()) why.add("priority");
            if (want.affinity() != null && k.boundCpu() < 0 && k.allowed() != null && !want.affinity().containsAll(k.allowed())) {
                why.add("affinity");
            }
            if (!why.isEmpty()) bad.add(k.name() + " " + String.join("+", why));
        }
        String expected = want.describe() + " for threads matching '" + spec.key() + "'" + (only == null ? "" : " on CPUs " + only);
        if (evidence.isEmpty()) {
            return SettingKinds.finding(spec, Severity.INFO, List.of("no kernel thread matches '" + spec.key() + "'"
                    + (only == null ? "" : " on CPUs " + only)), expected, "no such threads on this kernel", null, false);
        }
        boolean ok = bad.isEmpty();
        String actual = ok ? evidence.size() + " threads as expected" : bad.size() + " of " + evidence.size() + " differ: "
                + String.join(", ", bad.subList(0, Math.min(bad.size(), 8))) + (bad.size() > 8 ? ", ..." : "");
        return SettingKinds.finding(spec, ok ? Severity.PASS : SettingKinds.sev(spec),
                evidence.subList(0, Math.min(evidence.size(), 24)), expected, actual, ok ? null : fix(spec, want, only), false);
    }

    private static Finding.Fix fix(SettingSpec spec, Want want, CpuSet only) {
        List<String> cmds = new ArrayList<>();
        String re = spec.key().replace("'", "");
        String loop = "for p in $(pgrep '" + re + "')";
        if (only != null) {
            StringBuilder cpus = new StringBuilder();
            for (int c : only) cpus.append(cpus.length() == 0 ? "" : " ").append(c);
            loop = "for n in " + cpus + "; do p=$(pgrep '" + re + "'$n'$')";
        }
        if (want.policy() != null) {
            String flag = switch (want.policy()) {
                case FIFO -> "-f";
                case RR -> "-r";
                case BATCH -> "-b";
                case IDLE -> "-i";
                default -> "-o";
            };
            cmds.add(loop + (only == null ? "; do" : ";") + " chrt " + flag + " -p " + Math.max(0, want.priority()) + " $p; done");
        }
        if (want.affinity() != null) cmds.add(loop + (only == null ? "; do" : ";") + " taskset -pc " + want.affinity() + " $p; done");
        String tuned = "a tuned [scheduler] line group.NAME=0:" + (want.policy() == null ? "*" : want.policy().name().substring(0, 1).toLowerCase(Locale.ROOT))
                + ":" + (want.priority() >= 0 ? want.priority() : "*") + ":" + (want.affinity() == null ? "*" : want.affinity().toMask(want.affinity().last() + 1))
                + ":" + spec.key() + (only == null ? "" : " (the per-CPU threads of CPUs " + only + " only)");
        return new Finding.Fix(String.join("; ", cmds), tuned);
    }

    /** The matching kernel threads' policy (per-CPU ones stay on their CPU: only their policy changes). */
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        Pattern name;
        try {
            name = Pattern.compile(d.key());
        } catch (PatternSyntaxException e) {
            throw new BadInputException("plan setting thread-sched '" + d.key() + "': not a regular expression: " + e.getDescription());
        }
        Want want = Want.parse(d.value(), "plan setting thread-sched '" + d.key() + "'");
        CpuSet only = d.cpus() == null ? null : CpuSet.parseList(d.cpus());
        List<Change> out = new ArrayList<>();
        for (KernelThread k : ThreadsReader.read(c.tasks(), CpuSet.EMPTY).kernel()) {
            if (!name.matcher(k.name()).find()) continue;
            if (only != null && (k.boundCpu() < 0 || !only.contains(k.boundCpu()))) continue;
            CpuSet cpus = k.boundCpu() < 0 ? want.affinity() : null;
            if (want.policy() == null && cpus == null) continue;
            out.add(new Change.Thread(d.label(), k.name() + " (" + k.pid() + ")", k.pid(), k.pid(), want.policy(), Math.max(0, want.priority()), cpus));
        }
        return Changes.of(d, out, out.isEmpty() ? "no kernel thread matches" + (only == null ? "" : " on CPUs " + only) : null);
    }
}
