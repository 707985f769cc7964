package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.check.CapabilityCheck;
import dev.imagegen.check.CheckReport;
import dev.imagegen.plan.Planner;
import dev.imagegen.plan.RunPlan;
import dev.imagegen.run.PreFlight;
import dev.imagegen.run.RunIds;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Says what 'imagegen run' would do, before anything is spent: the source's prompts by state "
                    + "(new, changed, with an unresolved failure, waiting, done) against what is staged, the images and "
                    + "calls the run would make, the estimated cost and what it rests on (the catalogue's price, else "
                    + "model.pricing, else this dataset's history), the time at run.concurrency and "
                    + "run.requests-per-minute, and which limit would stop it first: run.max-cost-usd (less what the "
                    + "run already spent), run.max-images or the key's limit_remaining.",
            "Makes no model call and stages nothing: the source is read and compared with the database in a "
                    + "transaction that is rolled back. With a key it asks the provider what 'imagegen check' "
                    + "asks (GET /key and the model catalogue); without one the plan is made without them.",
            "'imagegen run' prints the same plan in one line at its start."
        },
        footer = {
            "",
            "Exit codes: 0 planned, 1 the source could not be read, 2 bad job file or usage (or the check "
                    + "found a job-file problem the run would stop on), 3 the key is refused or its credit is used up.",
            "Example: imagegen plan jobs/demo.yml"
        })
final class PlanCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Option(
            names = "--run-id",
            paramLabel = "ID",
            description = "plan this run: an earlier one is planned as its restart (what it spent counts against "
                    + "its budget). Default: a new run (or, with a schedule: section, today's run)")
    String runId;

    @Override
    public Integer call() {
        JobSpec spec;
        String run;
        try {
            spec = job.load();
            PreFlight.checkSource(spec);
            run = RunIds.choose(runId, null, spec.schedule(), Clock.systemUTC(), () -> null);
        } catch (JobFileException e) {
            return Console.usage(e);
        } catch (SourceUnavailableException e) {
            return Console.unavailable(e);
        }
        CheckReport check = null;
        if (!spec.model().isPlaceholder() && spec.model().apiKey().isPresent()) {
            // GETs only, as 'imagegen check': the key's limit, the price and how many images a call may ask for.
            check = CapabilityCheck.standard().check(spec);
            check.printProblems(System.err);
            spec = check.applyTo(spec);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            RunPlan plan = Planner.plan(ctx, spec, check, run);
            System.out.print(plan.render());
            return check != null && check.blocksRun() ? check.exitCode() : ExitCode.COMPLETED;
        } catch (JobFileException e) {
            return Console.usage(e);
        } catch (SourceUnavailableException e) {
            return Console.unavailable(e);
        } catch (RuntimeException e) {
            return Console.failed("plan ", e);
        }
    }
}
