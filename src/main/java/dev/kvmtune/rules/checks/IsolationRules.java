package dev.kvmtune.rules.checks;

import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.proc.ThreadsReader;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.List;

/** Rules about the isolated CPU set and what still runs or lands on it. */
final class IsolationRules {
    private static final String KP = "Documentation/admin-guide/kernel-parameters.txt";

    private IsolationRules() {
    }

    private static CpuSet req(IsolationReader.Requested r) {
        return r == null || r.cpus() == null ? null : r.cpus();
    }

    static final class NohzFullWithinRcuNocbs implements Rule {
        public String id() {
            return "cpu.nohz_full.within_rcu_nocbs";
        }

        public List<Finding> check(AuditContext ctx) {
            var iso = ctx.facts().isolation();
            CpuSet nohz = req(iso.nohzFullParam());
            if (nohz == null) return List.of();
            CpuSet nocbs = req(iso.rcuNocbs());
            CpuSet missing = nocbs == null ? nohz : nohz.minus(nocbs);
            return List.of(Rules.of(id(), missing.isEmpty() ? Severity.PASS : Severity.FAIL, "isolation",
                    "nohz_full CPUs also offload RCU callbacks (rcu_nocbs)",
                    "A CPU with pending RCU callbacks keeps its tick, so nohz_full does not take effect unless the same CPUs "
                            + "are in rcu_nocbs, which moves callback processing to rcuo threads on housekeeping CPUs.",
                    List.of("proc/cmdline: nohz_full=" + iso.nohzFullParam().raw() + (iso.rcuNocbs() == null ? ", no rcu_nocbs" : ", rcu_nocbs=" + iso.rcuNocbs().raw())),
                    "rcu_nocbs ⊇ " + nohz, nocbs == null ? "rcu_nocbs absent" : "rcu_nocbs=" + nocbs + " (missing " + missing + ")",
                    missing.isEmpty() ? null : new Finding.Fix(null, "add rcu_nocbs=" + nohz.union(nocbs == null ? CpuSet.EMPTY : nocbs) + " to the kernel command line"),
                    !missing.isEmpty(), KP + " (nohz_full, rcu_nocbs); seed 002"));
        }
    }

    static final class BootCpuNotNohzFull implements Rule {
        public String id() {
            return "cpu.nohz_full.excludes_boot_cpu";
        }

        public List<Finding> check(AuditContext ctx) {
            CpuSet nohz = req(ctx.facts().isolation().nohzFullParam());
            if (nohz == null) return List.of();
            boolean bad = nohz.contains(0);
            return List.of(Rules.of(id(), bad ? Severity.WARN : Severity.PASS, "isolation",
                    "The boot CPU is not in nohz_full",
                    "The kernel keeps timekeeping on the boot CPU and silently drops it from nohz_full; listing it suggests "
                            + "an isolation plan that the kernel does not carry out.",
                    List.of("proc/cmdline: nohz_full=" + ctx.facts().isolation().nohzFullParam().raw()), "CPU 0 not in nohz_full",
                    "nohz_full=" + nohz, bad ? new Finding.Fix(null, "use nohz_full=" + nohz.minus(CpuSet.of(0))) : null, bad,
                    "Documentation/timers/no_hz.rst"));
        }
    }

    static final class IsolcpusEqualsNohzFull implements Rule {
        public String id() {
            return "cpu.isolcpus.equals_nohz_full";
        }

        public List<Finding> check(AuditContext ctx) {
            var iso = ctx.facts().isolation();
            CpuSet a = req(iso.isolcpus());
            CpuSet b = req(iso.nohzFullParam());
            if (a == null && b == null) return List.of();
            boolean ok = a != null && a.equals(b);
            return List.of(Rules.of(id(), ok ? Severity.PASS : Severity.WARN, "isolation",
                    "isolcpus and nohz_full name the same CPUs",
                    "isolcpus keeps the scheduler's tasks away and nohz_full stops the tick; a CPU with only one of them "
                            + "either still gets timer interrupts or still gets ordinary tasks, and its latency is not predictable.",
                    List.of("proc/cmdline: isolcpus=" + (iso.isolcpus() == null ? "(none)" : iso.isolcpus().raw())
                            + " nohz_full=" + (iso.nohzFullParam() == null ? "(none)" : iso.nohzFullParam().raw())),
                    "isolcpus = nohz_full", "isolcpus=" + (a == null ? "absent" : a) + ", nohz_full=" + (b == null ? "absent" : b),
                    ok ? null : new Finding.Fix(null, "give isolcpus, nohz_full and rcu_nocbs the same CPU list"), !ok,
                    KP + " (isolcpus, nohz_full); seed 002"));
        }
    }

    static final class WholeCores implements Rule {
        public String id() {
            return "cpu.isolated.whole_cores";
        }

        public List<Finding> check(AuditContext ctx) {
            if (!ctx.hasIsolation()) return List.of();
            List<String> split = new ArrayList<>();
            for (CpuTopology t : ctx.facts().cpu().cpus()) {
                if (t.siblings() == null || !ctx.isolated().contains(t.cpu())) continue;
                if (!ctx.isolated().containsAll(t.siblings())) split.add("cpu" + t.cpu() + " siblings " + t.siblings());
            }
            return List.of(Rules.of(id(), split.isEmpty() ? Severity.PASS : Severity.WARN, "isolation",
                    "The isolated set takes whole cores",
                    "SMT siblings share a core's execution units and caches; a housekeeping thread on the sibling of an "
                            + "isolated CPU steals cycles from it and shows up as latency.",
                    split.isEmpty() ? List.of("isolated " + ctx.isolated() + " (" + ctx.isolatedSource() + ")") : split,
                    "no core split between isolated and housekeeping", split.isEmpty() ? "whole cores" : String.join("; ", split),
                    split.isEmpty() ? null : new Finding.Fix(null, "isolate both siblings of each core, or turn SMT off (nosmt)"),
                    false, "Documentation/admin-guide/cputopology.rst; seed 002 (Hyper-Threading disabled)"));
        }
    }

    static final class NohzFullNeedsKernel implements Rule {
        public String id() {
            return "kernel.nohz_full.needs_config";
        }

        public List<Finding> check(AuditContext ctx) {
            if (req(ctx.facts().isolation().nohzFullParam()) == null) return List.of();
            var config = ctx.facts().kernel().config();
            if (config == null) return List.of();
            boolean ok = config.enabled("CONFIG_NO_HZ_FULL");
            return List.of(Rules.of(id(), ok ? Severity.PASS : Severity.FAIL, "kernel",
                    "nohz_full is asked for on a kernel that supports it",
                    "Without CONFIG_NO_HZ_FULL the kernel ignores nohz_full and the isolated CPUs keep their periodic tick.",
                    List.of(config.source() + ": CONFIG_NO_HZ_FULL=" + config.options().getOrDefault("CONFIG_NO_HZ_FULL", "absent")),
                    "CONFIG_NO_HZ_FULL=y", config.options().getOrDefault("CONFIG_NO_HZ_FULL", "absent"),
                    ok ? null : new Finding.Fix(null, "boot a kernel built with CONFIG_NO_HZ_FULL=y"), !ok, "Documentation/timers/no_hz.rst"));
        }
    }

    static final class KernelThreadsOffIsolated implements Rule {
        public String id() {
            return "threads.kernel_off_isolated";
        }

        public List<Finding> check(AuditContext ctx) {
            if (!ctx.hasIsolation()) return List.of();
            List<String> bad = new ArrayList<>();
            for (ThreadsReader.KernelThread k : ctx.facts().threads().kernel()) {
                if (k.boundCpu() >= 0 || k.allowed() == null) continue; // per-CPU threads must stay on their CPU
                if (k.allowed().intersects(ctx.isolated())) bad.add(k.name() + " (pid " + k.pid() + ") allowed " + k.allowed());
            }
            return List.of(Rules.of(id(), bad.isEmpty() ? Severity.PASS : Severity.WARN, "scheduling",
                    "Unbound RCU and kworker threads stay on housekeeping CPUs",
                    "Unbound kernel threads go wherever the scheduler puts them; on an isolated CPU they preempt the vCPU. "
                            + "Their affinity (and the workqueue cpumask) should be the housekeeping set.",
                    bad.isEmpty() ? List.of("proc/*/task/*/status Cpus_allowed_list") : bad, "allowed within " + ctx.housekeeping(),
                    bad.isEmpty() ? "all on housekeeping" : bad.size() + " threads allowed on isolated CPUs",
                    bad.isEmpty() ? null : new Finding.Fix("for i in $(pgrep '^rcu|^kworker/u'); do taskset -pc " + ctx.housekeeping() + " $i; done; "
                            + "echo " + CpuSet.EMPTY.union(ctx.housekeeping()).toMask(ctx.facts().cpu().lastCpu() + 1) + " > /sys/devices/virtual/workqueue/cpumask",
                            "isolcpus=domain,managed_irq,... keeps them off at boot; tuned's cpu-partitioning profile sets the workqueue mask"),
                    false, "Documentation/admin-guide/kernel-per-CPU-kthreads.rst; seed 002"));
        }
    }

    static final class UserThreadsOffIsolated implements Rule {
        public String id() {
            return "threads.user_off_isolated";
        }

        public List<Finding> check(AuditContext ctx) {
            if (!ctx.hasIsolation()) return List.of();
            List<String> bad = new ArrayList<>();
            for (ThreadsReader.UserThread u : ctx.facts().threads().onIsolated()) {
                if (u.comm().contains("/KVM") || u.comm().startsWith("CPU ")) continue; // vCPU threads belong there
                bad.add(u.comm() + " (tid " + u.tid() + ") allowed " + u.allowed() + ", last on " + u.lastCpu());
            }
            return List.of(Rules.of(id(), bad.isEmpty() ? Severity.PASS : Severity.WARN, "scheduling",
                    "No ordinary user thread can run on an isolated CPU",
                    "Isolated CPUs are for vCPU threads; any other thread allowed there competes with them and adds latency. "
                            + "isolcpus removes them from load balancing, but a thread started with a wide affinity can still land there.",
                    bad.isEmpty() ? List.of("proc/*/task/*/stat, status") : bad.subList(0, Math.min(bad.size(), 20)),
                    "none besides vCPU threads", bad.isEmpty() ? "none" : bad.size() + " threads",
                    bad.isEmpty() ? null : new Finding.Fix("taskset -apc " + ctx.housekeeping() + " PID for each", "systemd CPUAffinity=" + ctx.housekeeping() + " in /etc/systemd/system.conf"),
                    false, "seed 002 (ps -eo psr,cmd)"));
        }
    }
}
