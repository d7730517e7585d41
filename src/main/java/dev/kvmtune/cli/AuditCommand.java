package dev.kvmtune.cli;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.Root;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvmtune audit}: checks the host against a profile. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Audit this host against a tuning profile.",
            "",
            "Example:",
            "  kvmtune audit"})
public final class AuditCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Root root = parent.openRoot()) {
            HostFacts facts = HostFactsCollector.collect(root);
            var out = spec.commandLine().getOut();
            if (parent.format == OutputFormat.json) {
                out.print(Json.write(facts));
            } else {
                out.print(FactsText.render(facts));
                out.println();
                out.println("No profile is checked yet: these are the facts an audit starts from.");
            }
            out.flush();
            return 0;
        }
    }
}
