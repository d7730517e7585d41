package dev.kvmtune;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of README's layout, checked on the compiled classes: dependencies point down only
 * (cli, then apply, plan, the audit's rules, the setting kinds, the audit model they share,
 * facts, util; the analysis packages beside them, used by cli alone), and no two packages depend
 * on each other in a circle.
 */
class LayeringTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.kvmtune");
    }

    @Test
    void dependenciesPointDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.kvmtune.cli..")
                .layer("report").definedBy("dev.kvmtune.report..")
                .layer("exporter").definedBy("dev.kvmtune.exporter..")
                .layer("apply").definedBy("dev.kvmtune.apply..")
                .layer("plan").definedBy("dev.kvmtune.plan..")
                .layer("rules").definedBy("dev.kvmtune.rules", "dev.kvmtune.rules.checks..")
                .layer("settings").definedBy("dev.kvmtune.settings..")
                .layer("audit model").definedBy("dev.kvmtune.rules.core..")
                .layer("facts").definedBy("dev.kvmtune.facts..")
                .layer("analysis").definedBy("dev.kvmtune.exits..", "dev.kvmtune.flame..", "dev.kvmtune.latency..", "dev.kvmtune.memory..", "dev.kvmtune.irq..", "dev.kvmtune.qemutrace..")
                .layer("util").definedBy("dev.kvmtune.util..")
                .layer("base").definedBy("dev.kvmtune")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("report").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("exporter").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("apply").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("plan").mayOnlyBeAccessedByLayers("apply", "cli")
                .whereLayer("rules").mayOnlyBeAccessedByLayers("plan", "apply", "exporter", "cli")
                .whereLayer("settings").mayOnlyBeAccessedByLayers("rules", "plan", "apply", "cli")
                .whereLayer("audit model").mayOnlyBeAccessedByLayers("settings", "rules", "plan", "apply", "exporter", "cli")
                .whereLayer("facts").mayOnlyBeAccessedByLayers("audit model", "settings", "rules", "plan", "apply", "analysis", "report", "exporter", "cli")
                .whereLayer("analysis").mayOnlyBeAccessedByLayers("report", "exporter", "cli")
                .whereLayer("util").mayOnlyBeAccessedByLayers("base", "facts", "audit model", "settings", "rules", "plan", "apply", "analysis", "report", "exporter", "cli")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.kvmtune.(**)").should().beFreeOfCycles().check(classes);
    }
}
