package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.apply.Applier;
import dev.kvmtune.apply.ChangeSet;
import dev.kvmtune.apply.FileHostAccess;
import dev.kvmtune.apply.Journal;
import dev.kvmtune.apply.JournalStore;
import dev.kvmtune.apply.LiveThreadScheduler;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlanFile;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune apply}: makes a plan true on the host, as one journaled transaction. */
@Command(name = "apply", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Apply a plan (plan.json from 'kvmtune plan --out DIR') to this host as one transaction.",
            "Runtime: sysctls, sysfs values (THP, KSM, workqueue masks, hugepages per node, governors, idle states),",
            "writable kvm module parameters, IRQ affinity, kernel threads' and running VMs' thread scheduling.",
            "Persistent: the rendered sysctl.d, modprobe.d, systemd and tuned files are installed, irqbalance's",
            "configuration and /etc/default/grub are edited.",
            "Each change: read; skip when it already matches; journal the original (fsync); write; read back.",
            "On a failure everything done is undone in reverse order (exit 4; exit 5 when undoing fails too).",
            "Without --yes nothing is changed: each setting is shown current -> desired (the dry run).",
            "",
            "Examples:",
            "  kvmtune apply /tmp/plan/plan.json                 dry run",
            "  sudo kvmtune apply /tmp/plan/plan.json --yes      apply, journal in /var/lib/kvmtune",
            "  kvmtune apply --status                            journals and their state",
            "  sudo kvmtune rollback                             undo the last apply"})
public final class ApplyCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PLAN", description = "plan.json; the files it lists are read from its directory.")
    Path planFile;

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--dry-run", description = "Show current -> desired and change nothing (the default).")
        boolean dryRun;

        @Option(names = "--yes", description = "Apply.")
        boolean yes;

        @Option(names = "--status", description = "List the journals and their state instead.")
        boolean status;
    }

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Journals go here (default: /var/lib/kvmtune of the root).")
    Path journalDir;

    @Option(names = "--allow-swapoff", description = "Turn swap off when the plan asks for it.")
    boolean allowSwapoff;

    @Option(names = "--skip", paramLabel = "KEY", description = {"Leave out the plan settings with this key (kernel.ftrace_enabled,",
        "sys/kernel/mm/ksm/run, rt1/vcpu0 ...) or kind (swap, vm-thread); repeatable. For a setting this kernel refuses."})
    List<String> skip = new java.util.ArrayList<>();

    @Option(names = "--update-bootloader", description = "Run update-grub / grub2-mkconfig / grubby after the boot-loader edit.")
    boolean updateBootloader;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ApplyTarget target = ApplyTarget.open(parent, journalDir);
        JournalStore store = new JournalStore(target.journalDir());
        if (mode.status) {
            out.print(parent.format == OutputFormat.json ? Json.write(ApplyText.statusJson(store)) : ApplyText.status(store, target.hint()));
            out.flush();
            return ExitCodes.OK;
        }
        if (planFile == null) throw new BadInputException("apply needs a PLAN (plan.json), or --status");
        String text = InputFiles.readText(planFile, SmallFiles.PLAN, "kvmtune plan (plan.json)");
        Plan plan = PlanFile.parse(text, planFile.toString());
        for (String k : skip) {
            if (plan.settings().stream().noneMatch(st -> st.key().equals(k) || st.kind().equals(k))) {
                throw new BadInputException("--skip " + k + ": no setting of " + planFile + " has that key or kind");
            }
        }
        if (!skip.isEmpty()) {
            plan = new Plan(plan.schema(), plan.profile(), plan.root(), plan.host(), plan.partition(),
                    plan.settings().stream().filter(st -> !skip.contains(st.key()) && !skip.contains(st.kind())).toList(), plan.files(), plan.notes());
        }
        HostAccess host = target.host();
        checkSameHost(plan, host, planFile);
        Path dir = planFile.toAbsolutePath().getParent();
        ChangeSet set = ChangeSet.of(plan, dir, host, new ChangeSet.Options(allowSwapoff, updateBootloader));
        if (!mode.yes) {
            var steps = Applier.dryRun(set.changes(), host);
            out.print(parent.format == OutputFormat.json ? Json.write(ApplyText.json("dry-run", planFile, plan, set, steps, null, target))
                    : ApplyText.dryRun(planFile, plan, set, steps, target, target.hint().command("apply", applyArgs())));
            out.flush();
            return ExitCodes.OK;
        }
        target.requireWritable();
        var blocking = store.blocking();
        if (blocking.isPresent()) {
            throw new BadInputException(blocking.get() + ": an earlier apply did not finish (status " + Journal.status(Journal.read(blocking.get()))
                    + "); undo it first with: " + target.hint().command("rollback", blocking.get().toString()));
        }
        boolean tty = System.console() != null;
        Applier.Result r = Applier.apply(set.changes(), host, store,
                new Applier.PlanInfo(planFile.toAbsolutePath().toString(), PlanFile.hash(text)),
                (i, n, c) -> {
                    if (tty) {
                        err.println("[" + i + "/" + n + "] " + c.setting() + ": " + c.target());
                        err.flush();
                    }
                });
        out.print(parent.format == OutputFormat.json ? Json.write(ApplyText.json("apply", planFile, plan, set, r.steps(), r, target))
                : ApplyText.applied(planFile, plan, set, r, target));
        out.flush();
        return switch (r.status()) {
            case ROLLED_BACK -> ExitCodes.APPLY_ROLLED_BACK;
            case ROLLBACK_INCOMPLETE -> ExitCodes.ROLLBACK_INCOMPLETE;
            default -> ExitCodes.OK;
        };
    }

    /** This apply's own arguments with --yes: the dry run's hint must apply exactly what it showed (--skip, --allow-swapoff ...). */
    private String[] applyArgs() {
        List<String> args = new ArrayList<>(List.of(planFile.toString(), "--yes"));
        for (String k : skip) args.addAll(List.of("--skip", k));
        if (allowSwapoff) args.add("--allow-swapoff");
        if (updateBootloader) args.add("--update-bootloader");
        return args.toArray(String[]::new);
    }

    /** A plan is made for one host's CPUs: applied to a host with another count its CPU sets mean other things. */
    static void checkSameHost(Plan plan, HostAccess host, Path planFile) {
        var possible = host.root().read("sys/devices/system/cpu/possible");
        if (possible.isEmpty()) return;
        int cpus = CpuSet.parseList(possible.get().strip()).last() + 1;
        if (cpus != plan.host().cpus()) {
            throw new BadInputException(planFile + ": planned for a host with " + plan.host().cpus() + " possible CPUs (" + plan.root()
                    + "); " + host.root().describe() + " has " + cpus + ": plan it on this host");
        }
    }

    /** The host apply works on, from the global --root / --snapshot options. */
    record ApplyTarget(HostAccess host, Path journalDir, boolean live, CommandHint hint) {
        static ApplyTarget open(KvmtuneCommand parent, Path journalDir) {
            HostAccess h = parent.rootDir != null ? FileHostAccess.onTree(parent.openRootDir()) : FileHostAccess.onLiveHost();
            Path base = parent.rootDir != null ? parent.rootDir : Path.of("/");
            Path jd = journalDir != null ? journalDir : base.resolve(JournalStore.DEFAULT_DIR);
            return new ApplyTarget(h, jd, parent.rootDir == null, new CommandHint(parent.rootDir, journalDir));
        }

        void requireWritable() {
            if (live && !LiveThreadScheduler.isRoot()) {
                throw new BadInputException("changing the running host needs root: run it with sudo (or use --root DIR for a copied tree)");
            }
        }
    }
}
