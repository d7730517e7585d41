package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.report.Bundle;
import dev.kvmtune.report.Comparison;
import dev.kvmtune.report.HtmlReport;
import dev.kvmtune.util.OutputFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune report}: one or two measure bundles (or several hosts) as one offline HTML page, or as JSON. */
@Command(name = "report", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Turn measure bundles into one self-contained HTML page (no network: styles, charts and flame graphs",
            "inline) that opens offline: the verdict per VM, host identity, what changed between the runs (kernel",
            "command line, isolated CPUs, sysctls, the applies between them with their rollback command), the audit",
            "fixed / new / still failing, latency percentiles and histograms per CPU with ratios, ticks and IPIs per",
            "CPU, the busiest IRQs, VM exits by reason, vCPU run delay, memory per VM, and the flame graphs (click to",
            "zoom). One bundle gives a single-run report; --compare puts several hosts side by side. A part a bundle",
            "lacks is named with the reason. --format json gives the same comparison as data.",
            "",
            "Examples:",
            "  kvmtune report before after -o report.html",
            "  kvmtune report before --format json",
            "  kvmtune report --compare host1 host2 host3 -o fleet.html"})
public final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "BUNDLE", description = "Bundle directories made by 'kvmtune measure -o': BEFORE [AFTER], or hosts with --compare.")
    List<Path> bundles;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the page (or with --format json, the JSON) here.")
    Path output;

    @Option(names = "--compare", description = "The bundles are different hosts, one column each, not a before and after.")
    boolean compare;

    @Override
    public Integer call() {
        if (!compare && bundles.size() > 2) throw new BadInputException("give BEFORE and AFTER, or --compare for " + bundles.size() + " hosts side by side");
        if (output != null) OutputFile.check(output);
        List<Bundle> bs = bundles.stream().map(Bundle::open).toList();
        Comparison c = Comparison.of(bs, compare);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        switch (parent.format) {
            case json -> {
                String json = Json.write(c);
                if (output != null) OutputFile.writeText(output, json);
                else out.print(json);
            }
            case text, markdown -> {
                for (String v : c.verdicts()) out.println(v);
                c.bundles().forEach(col -> col.missing().forEach((k, v) -> out.println(col.label() + ": " + k + " " + v)));
                if (output != null) {
                    String html = HtmlReport.render(c, bs);
                    OutputFile.writeText(output, html);
                    err.printf("kvmtune: wrote %s (%,d bytes)%n", output, html.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
                } else {
                    err.println("kvmtune: the page: add -o report.html");
                }
            }
        }
        out.flush();
        err.flush();
        return ExitCodes.OK;
    }
}
