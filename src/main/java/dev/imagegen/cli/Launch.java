package dev.imagegen.cli;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.check.CapabilityCheck;
import dev.imagegen.check.CheckReport;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.progress.RunProgress;
import dev.imagegen.remote.RemoteJobFile;
import dev.imagegen.report.RunReports;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.Map;
import java.util.function.Function;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** Runs something against a job file's Spring context and turns its outcome into output and an exit code. */
final class Launch {

    private Launch() {}

    static int run(JobFileOptions job, boolean dryRun, Function<RunLauncher, RunOutcome> action) {
        return run(job, dryRun, new CheckOption(), action);
    }

    static int run(JobFileOptions job, boolean dryRun, CheckOption check, Function<RunLauncher, RunOutcome> action) {
        return run(job, dryRun, check, new ProgressOptions(), action);
    }

    static int run(
            JobFileOptions job,
            boolean dryRun,
            CheckOption check,
            ProgressOptions progress,
            Function<RunLauncher, RunOutcome> action) {
        return run(job, dryRun, check, progress, null, action);
    }

    /**
     * @param planFor when not null, the plan is printed in one line before the run starts, for the run id it gives
     *                (null: a new run)
     */
    static int run(
            JobFileOptions job,
            boolean dryRun,
            CheckOption check,
            ProgressOptions progress,
            Function<JobSpec, String> planFor,
            Function<RunLauncher, RunOutcome> action) {
        JobSpec spec;
        CheckReport checked = null;
        ProgressOptions.Resolved shown;
        try {
            spec = job.loadForRun(dryRun);
            shown = progress.resolve();
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (SourceUnavailableException e) {
            System.err.println("imagegen: " + e.getMessage() + "; fix it and run the same command again");
            return RunOutcome.FAILED;
        }
        if (!check.skipCheck && !spec.model().isPlaceholder()) {
            // Before any money is spent (and before the database is touched): key, model and options.
            CheckReport report = CapabilityCheck.standard().check(spec);
            report.printProblems(System.err);
            if (report.blocksRun()) {
                System.err.println("imagegen: not started; fix the above (details: imagegen check " + job.jobFile
                        + "), or skip the check with --skip-check");
                return report.exitCode();
            }
            spec = report.applyTo(spec);
            checked = report;
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            RunGuard guard = ctx.getBean(RunGuard.class);
            Signals.install(guard);
            RunLauncher launcher = ctx.getBean(RunLauncher.class);
            if (spec.run().remote()) {
                // What the workers need to load the same job file (never the API key: they have their own).
                launcher.addParameters(RemoteJobFile.parameters(job.overrides, dryRun, spec));
            }
            if (planFor != null) {
                printPlan(ctx, spec, checked, planFor.apply(spec));
            }
            RunOutcome outcome;
            try (RunProgress bar = RunProgress.start(guard.counters(), shown.mode(), shown.interval())) {
                outcome = action.apply(launcher);
            }
            if (outcome.summary() != null) {
                System.out.print(outcome.summary().render());
                if (shown.report()) {
                    writeReport(ctx, outcome.summary().runId());
                }
            } else if (outcome.message() != null) {
                System.err.println("imagegen: " + outcome.message());
            }
            if (outcome.exitCode() == RunOutcome.WAITING) {
                System.err.println("imagegen: the batches are submitted; collect them with: imagegen run "
                        + job.jobFile + " --run-id " + outcome.summary().runId() + "   (or: imagegen restart "
                        + job.jobFile + "); imagegen status " + job.jobFile + " shows their progress");
            } else if (outcome.exitCode() == RunOutcome.STOPPED
                    || outcome.exitCode() == RunOutcome.FAILED && outcome.summary() != null) {
                System.err.println("imagegen: restart with: imagegen run " + job.jobFile + " --run-id "
                        + outcome.summary().runId() + (dryRun ? " --dry-run" : "")
                        + (spec.run().remote() ? " --workers remote" : "") + "   (or: imagegen restart "
                        + job.jobFile + (spec.run().remote() ? " --workers remote" : "") + ")");
            }
            return outcome.exitCode();
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (RuntimeException e) {
            System.err.println("imagegen: failed: " + Errors.describe(e));
            return RunOutcome.FAILED;
        }
    }

    /** The plan in one line; a plan that cannot be made is said, and the run goes on. */
    private static void printPlan(ConfigurableApplicationContext ctx, JobSpec spec, CheckReport checked, String run) {
        try {
            System.err.println("imagegen: plan: "
                    + PlanCommand.plan(ctx, spec, checked, run).oneLine());
        } catch (RuntimeException e) {
            System.err.println("imagegen: plan: not available (" + Errors.describe(e) + ")");
        }
    }

    /** The report is a by-product: failing to write it is reported but does not change the run's exit code. */
    static void writeReport(ConfigurableApplicationContext ctx, String runId) {
        try {
            RunReports reports = new RunReports(
                    ctx.getBean(JdbcTemplate.class),
                    ctx.getBean(PlatformTransactionManager.class),
                    ctx.getBean(JobSpec.class));
            reports.find(runId).ifPresent(run -> System.out.print(ReportCommand.describe(reports.write(run))));
        } catch (RuntimeException e) {
            System.err.println("imagegen: the run's report could not be written: " + Errors.describe(e)
                    + " (retry with: imagegen report JOBFILE --run-id " + runId + ")");
        }
    }
}
