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
 * (cli, then apply, plan, rules, facts, util; the analysis packages beside them, used by cli
 * alone), and no two packages depend on each other in a circle.
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
                .layer("apply").definedBy("dev.kvmtune.apply..")
                .layer("plan").definedBy("dev.kvmtune.plan..")
                .layer("rules").definedBy("dev.kvmtune.rules..")
                .layer("facts").definedBy("dev.kvmtune.facts..")
                .layer("analysis").definedBy("dev.kvmtune.exits..", "dev.kvmtune.flame..", "dev.kvmtune.latency..", "dev.kvmtune.qemutrace..")
                .layer("util").definedBy("dev.kvmtune.util..")
                .layer("base").definedBy("dev.kvmtune")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("apply").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("plan").mayOnlyBeAccessedByLayers("apply", "cli")
                .whereLayer("rules").mayOnlyBeAccessedByLayers("plan", "apply", "cli")
                .whereLayer("facts").mayOnlyBeAccessedByLayers("rules", "plan", "apply", "analysis", "cli")
                .whereLayer("analysis").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("util").mayOnlyBeAccessedByLayers("base", "facts", "rules", "plan", "apply", "analysis", "cli")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.kvmtune.(**)").should().beFreeOfCycles().check(classes);
    }
}
