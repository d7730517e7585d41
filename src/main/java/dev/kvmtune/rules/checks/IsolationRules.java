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
            return List.of(Rules.finding(id(), missing.isEmpty() ? Severity.PASS : Severity.FAIL, "isolation")
                    .title("nohz_full CPUs also offload RCU callbacks (rcu_nocbs)")
                    .why("A CPU with pending RCU callbacks keeps its tick, so nohz_full does not take effect unless the same CPUs "
                            + "are in rcu_nocbs, which moves callback processing to rcuo threads on housekeeping CPUs.")
                    .evidence(List.of("proc/cmdline: nohz_full=" + iso.nohzFullParam().raw() + (iso.rcuNocbs() == null ? ", no rcu_nocbs" : ", rcu_nocbs=" + iso.rcuNocbs().raw())))
                    .expected("rcu_nocbs ⊇ " + nohz)
                    .actual(nocbs == null ? "rcu_nocbs absent" : "rcu_nocbs=" + nocbs + " (missing " + missing + ")")
                    .fix(missing.isEmpty() ? null : new Finding.Fix(null, "add rcu_nocbs=" + nohz.union(nocbs == null ? CpuSet.EMPTY : nocbs) + " to the kernel command line"))
                    .reboot(!missing.isEmpty())
                    .reference(KP + " (nohz_full, rcu_nocbs); seed 002")
                    .build());
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
            return List.of(Rules.finding(id(), bad ? Severity.WARN : Severity.PASS, "isolation")
                    .title("The boot CPU is not in nohz_full")
                    .why("The kernel keeps timekeeping on the boot CPU and silently drops it from nohz_full; listing it suggests "
                            + "an isolation plan that the kernel does not carry out.")
                    .evidence(List.of("proc/cmdline: nohz_full=" + ctx.facts().isolation().nohzFullParam().raw()))
                    .expected("CPU 0 not in nohz_full")
                    .actual("nohz_full=" + nohz)
                    .fix(bad ? new Finding.Fix(null, "use nohz_full=" + nohz.minus(CpuSet.of(0))) : null)
                    .reboot(bad)
                    .reference("Documentation/timers/no_hz.rst")
                    .build());
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
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.WARN, "isolation")
                    .title("isolcpus and nohz_full name the same CPUs")
                    .why("isolcpus keeps the scheduler's tasks away and nohz_full stops the tick; a CPU with only one of them "
                            + "either still gets timer interrupts or still gets ordinary tasks, and its latency is not predictable.")
                    .evidence(List.of("proc/cmdline: isolcpus=" + (iso.isolcpus() == null ? "(none)" : iso.isolcpus().raw())
                            + " nohz_full=" + (iso.nohzFullParam() == null ? "(none)" : iso.nohzFullParam().raw())))
                    .expected("isolcpus = nohz_full")
                    .actual("isolcpus=" + (a == null ? "absent" : a) + ", nohz_full=" + (b == null ? "absent" : b))
                    .fix(ok ? null : new Finding.Fix(null, "give isolcpus, nohz_full and rcu_nocbs the same CPU list"))
                    .reboot(!ok)
                    .reference(KP + " (isolcpus, nohz_full); seed 002")
                    .build());
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
            return List.of(Rules.finding(id(), split.isEmpty() ? Severity.PASS : Severity.WARN, "isolation")
                    .title("The isolated set takes whole cores")
                    .why("SMT siblings share a core's execution units and caches; a housekeeping thread on the sibling of an "
                            + "isolated CPU steals cycles from it and shows up as latency.")
                    .evidence(split.isEmpty() ? List.of("isolated " + ctx.isolated() + " (" + ctx.isolatedSource() + ")") : split)
                    .expected("no core split between isolated and housekeeping")
                    .actual(split.isEmpty() ? "whole cores" : String.join("; ", split))
                    .fix(split.isEmpty() ? null : new Finding.Fix(null, "isolate both siblings of each core, or turn SMT off (nosmt)"))
                    .reboot(false)
                    .reference("Documentation/admin-guide/cputopology.rst; seed 002 (Hyper-Threading disabled)")
                    .build());
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
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.FAIL, "kernel")
                    .title("nohz_full is asked for on a kernel that supports it")
                    .why("Without CONFIG_NO_HZ_FULL the kernel ignores nohz_full and the isolated CPUs keep their periodic tick.")
                    .evidence(List.of(config.source() + ": CONFIG_NO_HZ_FULL=" + config.options().getOrDefault("CONFIG_NO_HZ_FULL", "absent")))
                    .expected("CONFIG_NO_HZ_FULL=y")
                    .actual(config.options().getOrDefault("CONFIG_NO_HZ_FULL", "absent"))
                    .fix(ok ? null : new Finding.Fix(null, "boot a kernel built with CONFIG_NO_HZ_FULL=y"))
                    .reboot(!ok)
                    .reference("Documentation/timers/no_hz.rst")
                    .build());
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
            return List.of(Rules.finding(id(), bad.isEmpty() ? Severity.PASS : Severity.WARN, "scheduling")
                    .title("Unbound RCU and kworker threads stay on housekeeping CPUs")
                    .why("Unbound kernel threads go wherever the scheduler puts them; on an isolated CPU they preempt the vCPU. "
                            + "Their affinity (and the workqueue cpumask) should be the housekeeping set.")
                    .evidence(bad.isEmpty() ? List.of("proc/*/task/*/status Cpus_allowed_list") : bad)
                    .expected("allowed within " + ctx.housekeeping())
                    .actual(bad.isEmpty() ? "all on housekeeping" : bad.size() + " threads allowed on isolated CPUs")
                    .fix(bad.isEmpty() ? null : new Finding.Fix("for i in $(pgrep '^rcu|^kworker/u'); do taskset -pc " + ctx.housekeeping() + " $i; done; "
                            + "echo " + CpuSet.EMPTY.union(ctx.housekeeping()).toMask(ctx.facts().cpu().lastCpu() + 1) + " > /sys/devices/virtual/workqueue/cpumask",
                            "isolcpus=domain,managed_irq,... keeps them off at boot; tuned's cpu-partitioning profile sets the workqueue mask"))
                    .reboot(false)
                    .reference("Documentation/admin-guide/kernel-per-CPU-kthreads.rst; seed 002")
                    .build());
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
            return List.of(Rules.finding(id(), bad.isEmpty() ? Severity.PASS : Severity.WARN, "scheduling")
                    .title("No ordinary user thread can run on an isolated CPU")
                    .why("Isolated CPUs are for vCPU threads; any other thread allowed there competes with them and adds latency. "
                            + "isolcpus removes them from load balancing, but a thread started with a wide affinity can still land there.")
                    .evidence(bad.isEmpty() ? List.of("proc/*/task/*/stat, status") : bad.subList(0, Math.min(bad.size(), 20)))
                    .expected("none besides vCPU threads")
                    .actual(bad.isEmpty() ? "none" : bad.size() + " threads")
                    .fix(bad.isEmpty() ? null : new Finding.Fix("taskset -apc " + ctx.housekeeping() + " PID for each", "systemd CPUAffinity=" + ctx.housekeeping() + " in /etc/systemd/system.conf"))
                    .reboot(false)
                    .reference("seed 002 (ps -eo psr,cmd)")
                    .build());
        }
    }
}
