package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.Root;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune facts}: host facts, each with the file it was read from. */
@Command(name = "facts", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Show host facts: CPU topology and caches, NUMA, kernel and command line, isolation,",
            "power, memory, sysctls, interrupts, kernel threads, block devices.",
            "",
            "Examples:",
            "  kvmtune facts",
            "  kvmtune facts --format json > facts.json",
            "  kvmtune facts --snapshot host.tar.gz"})
public final class FactsCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Root root = parent.openRoot()) {
            HostFacts facts = HostFactsCollector.collect(root);
            PrintWriter out = spec.commandLine().getOut();
            switch (parent.format) {
                case json -> out.print(Json.write(facts));
                case text, markdown -> out.print(FactsText.render(facts));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
