package dev.imagegen.cli;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.check.CapabilityCheck;
import dev.imagegen.check.CheckReport;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.progress.RunProgress;
import dev.imagegen.remote.RemoteJobFile;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.schedule.Scheduler;
import dev.imagegen.schedule.SystemSlotClock;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "schedule",
        mixinStandardHelpOptions = true,
        description = {
            "Runs in the foreground as a long-lived scheduler: starts the job file's run at every slot of "
                    + "schedule.cron (in schedule.zone) until it receives SIGINT or SIGTERM.",
            "On start-up it first restarts the dataset's latest run if that one did not complete (failed, "
                    + "stopped, or killed while running), then waits for the next slot. A run is never started "
                    + "while another run of the same dataset is in progress, in this or another process: that "
                    + "slot is skipped. A run that outlasts slots skips them.",
            "Run ids: the slot's date (2025-06-01) when the cron fires at most once a day, so that "
                    + "'imagegen run JOBFILE --run-date 2025-06-01' is the same nightly run; else the slot's "
                    + "date and time (2025-06-01T14:30)."
        },
        footer = {
            "",
            "Exit codes: 0 stopped by a signal (a run in progress is stopped and restartable; the next "
                    + "start catches it up), 1 the database cannot be reached, 2 bad usage or job file (e.g. no "
                    + "schedule.cron) or the provider check failed. The outcome of each run is printed, not returned."
        })
final class ScheduleCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Mixin
    CheckOption check;

    @Mixin
    ProgressOptions progress;

    @Mixin
    WorkersOption workers;

    @Option(
            names = "--dry-run",
            description = "use the local placeholder model: the whole pipeline at zero cost, no key needed")
    boolean dryRun;

    @Override
    public Integer call() {
        workers.applyTo(job);
        JobSpec spec;
        try {
            spec = job.loadWithoutSource(dryRun);
            if (!spec.schedule().hasCron()) {
                throw new JobFileException("schedule.cron: missing; imagegen schedule needs a schedule: section with "
                        + "a cron, e.g. schedule: { cron: \"0 2 * * *\", zone: Europe/Berlin } for 02:00 every night");
            }
            JobFileOptions.checkSource(spec);
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (SourceUnavailableException e) {
            // The source may be back by the next slot: it is checked again before every run.
            System.err.println("imagegen: warning: " + e.getMessage());
            spec = job.loadWithoutSource(dryRun);
        }
        if (!check.skipCheck && !spec.model().isPlaceholder()) {
            CheckReport report = CapabilityCheck.standard().check(spec);
            report.printProblems(System.err);
            if (report.blocksRun()) {
                System.err.println("imagegen: not started; fix the above (details: imagegen check " + job.jobFile
                        + "), or skip the check with --skip-check");
                return report.exitCode();
            }
            spec = report.applyTo(spec);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            SystemSlotClock clock = new SystemSlotClock();
            Signals.install(ctx.getBean(RunGuard.class), clock::stop);
            RunLauncher launcher = ctx.getBean(RunLauncher.class);
            if (spec.run().remote()) {
                launcher.addParameters(RemoteJobFile.parameters(job.overrides, dryRun, spec));
            }
            JobSpec checked = spec;
            ProgressOptions.Resolved shown = progress.resolve();
            RunGuard guard = ctx.getBean(RunGuard.class);
            Scheduler.Launch launch = runId -> {
                JobFileOptions.checkSource(checked);
                RunOutcome outcome;
                try (RunProgress bar = RunProgress.start(guard.counters(), shown.mode(), shown.interval())) {
                    outcome = launcher.run(runId, Map.of());
                }
                if (shown.report() && outcome.summary() != null) {
                    Launch.writeReport(ctx, outcome.summary().runId());
                }
                return outcome;
            };
            new Scheduler(
                            spec.schedule(),
                            spec.dataset(),
                            launcher::lastUnfinishedRunId,
                            launcher::catchUpHeldBack,
                            launch,
                            clock,
                            new ConsoleReporter(job.jobFile.toString(), dryRun))
                    .run();
            System.err.println("imagegen: scheduler stopped");
            return RunOutcome.COMPLETED;
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RunOutcome.COMPLETED;
        } catch (RuntimeException e) {
            System.err.println("imagegen: failed: " + Errors.describe(e));
            return RunOutcome.FAILED;
        }
    }

    /** Summaries to stdout as {@code run} prints them; everything else, one line each, to stderr. */
    private record ConsoleReporter(String jobFile, boolean dryRun) implements Scheduler.Reporter {

        @Override
        public void outcome(String runId, RunOutcome outcome) {
            if (outcome.summary() != null) {
                System.out.print(outcome.summary().render());
                System.out.flush();
            } else if (outcome.message() != null) {
                System.err.println("imagegen: run " + runId + ": " + outcome.message());
            }
        }

        @Override
        public void failure(String runId, Exception e) {
            System.err.println("imagegen: run " + runId + " did not start: " + Errors.describe(e)
                    + " (after fixing it: imagegen run " + jobFile + " --run-id " + runId
                    + (dryRun ? " --dry-run" : "") + ")");
        }

        @Override
        public void message(String text) {
            System.err.println("imagegen: " + text);
        }
    }
}
