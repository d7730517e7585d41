package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune audit}: checks the host against a profile and explains every finding. */
@Command(name = "audit", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Audit the host against a tuning profile; every finding says why it matters, what was read,",
            "what was expected, how to fix it now and persistently, and whether a reboot is needed.",
            "Profiles: auto (default), virtual-host, virtual-guest, realtime-virtual-host, realtime-virtual-guest,",
            "or a YAML file that extends one of them. --format also takes markdown.",
            "",
            "Examples:",
            "  kvmtune audit",
            "  kvmtune audit --profile realtime-virtual-host --isolated 2-3 --fail-on warn",
            "  kvmtune audit --snapshot host.tar.gz --format json"})
public final class AuditCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--profile", paramLabel = "P|FILE", defaultValue = "auto", description = "Profile name or YAML file (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--isolated", paramLabel = "CPUS", converter = Converters.Cpus.class,
            description = "The isolated CPU set (default: from isolcpus/nohz_full, else the profile's default).")
    CpuSet isolated;

    /** Only this VM's rules run (the host checks still do). */
    @Mixin
    VmTarget vm = new VmTarget();

    @Option(names = "--fail-on", paramLabel = "SEVERITY", defaultValue = "fail",
            description = "Exit 3 when a finding is at or above this: info, warn, fail (default: ${DEFAULT-VALUE}).")
    String failOn;

    @Override
    public Integer call() {
        Severity threshold;
        try {
            threshold = Severity.parse(failOn);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--fail-on takes info, warn or fail, not '" + failOn + "'");
        }
        if (threshold == Severity.PASS) throw new BadInputException("--fail-on takes info, warn or fail, not '" + failOn + "'");
        try (Root root = parent.openRoot()) {
            HostFacts facts = HostFactsCollector.collect(root);
            if (vm.given()) {
                var chosen = facts.vms().stream().filter(vm::matches).toList();
                if (chosen.isEmpty()) {
                    throw vm.notFound(facts.vms(), root.describe());
                }
                facts = facts.withVms(chosen);
            }
            String[] choice = Audit.chooseProfile(profile, facts, root.exists("dev/kvm"), vm.given());
            Profile p = ProfileLoader.load(choice[0]);
            Audit.Report report = Audit.run(facts, root, p, choice[1], isolated);
            var out = spec.commandLine().getOut();
            switch (parent.format) {
                case json -> out.print(Json.write(report));
                case markdown -> out.print(AuditText.markdown(report));
                case text -> out.print(AuditText.text(report, System.console() != null && System.getenv("NO_COLOR") == null));
            }
            out.flush();
            boolean failing = report.findings().stream().anyMatch(f -> f.severity() != Severity.PASS && f.severity().atLeast(threshold));
            return failing ? ExitCodes.FINDINGS : ExitCodes.OK;
        }
    }
}
