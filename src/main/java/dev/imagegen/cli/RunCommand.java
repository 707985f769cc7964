package dev.imagegen.cli;

import dev.imagegen.run.RunIds;
import dev.imagegen.spec.JobFileException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a job file: stages the source's prompts, generates the images that are missing for "
                    + "the current settings, and prints a summary.",
            "The same --run-id after a crash or stop restarts that run; a new run id is a new incremental run "
                    + "that only sends prompts without an image for the current request.",
            "Nightly runs: --run-date 2025-06-01 names the run after that date (the run id is the date), so "
                    + "invoking it again the same night restarts it and the next night is a new incremental run. "
                    + "With a schedule: section in the job file, the run date defaults to today in schedule.zone."
        },
        footer = {
            "",
            "Exit codes: 0 completed, 1 failed (restartable: run the same command again), 2 bad usage or "
                    + "job file, 3 stopped (budget, signal, provider refused the key or credits; restartable), 4 another "
                    + "run of the dataset is in progress (nothing was done), 5 (--no-wait) batches submitted and still "
                    + "running at OpenAI: the next run, restart or scheduled slot collects them."
        })
final class RunCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Mixin
    CheckOption check;

    @Mixin
    ProgressOptions progress;

    @Mixin
    WorkersOption workers;

    @Option(
            names = "--run-id",
            paramLabel = "ID",
            description = "name of this run; give an earlier one to restart it (default: the run date when "
                    + "--run-date is given or the job file has a schedule: section, else a new id from the time)")
    String runId;

    @Option(
            names = "--run-date",
            paramLabel = "YYYY-MM-DD",
            description = "the night this run belongs to; the run id becomes this date (default: today in "
                    + "schedule.zone when the job file has a schedule: section). Not together with --run-id.")
    String runDate;

    @Option(
            names = "--dry-run",
            description = "use the local placeholder model: the whole pipeline at zero cost, no key needed")
    boolean dryRun;

    @Option(
            names = "--no-wait",
            description = "model.provider openai-batch: submit the batches and exit 5 instead of waiting for them "
                    + "(up to 24 h); the next run, restart or scheduled slot collects what they made")
    boolean noWait;

    @Override
    public Integer call() {
        try {
            // Usage errors first, before anything is started.
            RunIds.choose(runId, runDate, dev.imagegen.spec.ScheduleSpec.none(), java.time.Clock.systemUTC(), () -> "");
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        return progress.flow(job, workers, check, dryRun)
                .run(
                        spec -> RunIds.choose(runId, runDate, spec.schedule(), java.time.Clock.systemUTC(), () -> null),
                        launcher -> launcher.run(
                                RunIds.choose(
                                        runId,
                                        runDate,
                                        launcher.spec().schedule(),
                                        java.time.Clock.systemUTC(),
                                        () -> launcher.newRunId("")),
                                noWait ? Map.of(dev.imagegen.batch.BatchSteps.NO_WAIT, "true") : Map.of()));
    }
}
