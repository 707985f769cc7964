package dev.imagegen;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of {@code src/main} has no cycles, and the lower layers (the model clients, the run-wide limits,
 * the domain-free helpers) depend on nothing above them: a package can be read, tested and changed from below.
 */
class PackageDependencyTests {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.imagegen");
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        // Every package is a slice of its own (dev.imagegen.model and dev.imagegen.model.openai are two).
        slices().matching("dev.imagegen.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void theRootPackageIsFreeOfCyclesWithTheRest() {
        // "dev.imagegen.(**)" leaves out the root package's classes; they may only be used, never use a feature
        // that uses them back (the main class lives in cli for that reason).
        noClasses()
                .that()
                .resideInAPackage("dev.imagegen")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.imagegen.cli..", "dev.imagegen.run..", "dev.imagegen.generate..", "dev.imagegen.remote..")
                .check(main);
    }

    @Test
    void theModelDependsOnNothingAboveIt() {
        noClasses()
                .that()
                .resideInAPackage("dev.imagegen.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(ABOVE_THE_MODEL)
                .check(main);
    }

    @Test
    void theRunWideLimitsDependOnNothingAboveThem() {
        noClasses()
                .that()
                .resideInAPackage("dev.imagegen.limits..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(ABOVE_THE_MODEL)
                .orShould()
                .dependOnClassesThat()
                .resideInAPackage("dev.imagegen.model..")
                .check(main);
    }

    @Test
    void theSupportHelpersDependOnNothingOfOurs() {
        noClasses()
                .that()
                .resideInAPackage("dev.imagegen.support..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("dev.imagegen.support..", "java..")
                .check(main);
    }

    private static final String[] ABOVE_THE_MODEL = {
        "dev.imagegen.batch..", "dev.imagegen.catalog..", "dev.imagegen.check..", "dev.imagegen.cli..",
        "dev.imagegen.export..", "dev.imagegen.generate..", "dev.imagegen.metrics..", "dev.imagegen.notify..",
        "dev.imagegen.plan..", "dev.imagegen.progress..", "dev.imagegen.reconcile..", "dev.imagegen.reference..",
        "dev.imagegen.remote..", "dev.imagegen.report..", "dev.imagegen.run..", "dev.imagegen.schedule..",
        "dev.imagegen.source..", "dev.imagegen.store.."
    };
}
