package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.run.RunOutcome;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restarts the last failed or stopped run of the job file's dataset (also one left running "
                    + "by a process that died). Completed partitions are not rerun and images already on disk are "
                    + "adopted, not paid for again. Exits 0 with a message when there is nothing to restart."
        })
final class RestartCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Mixin
    CheckOption check;

    @Mixin
    WorkersOption workers;

    @Option(names = "--dry-run", description = "restart a run that was started with --dry-run")
    boolean dryRun;

    @Override
    public Integer call() {
        return new ProgressOptions()
                .flow(job, workers, check, dryRun)
                .run(
                        null,
                        launcher -> launcher.lastUnfinishedRunId()
                                .map(id -> launcher.run(id, Map.of()))
                                .orElseGet(() -> new RunOutcome(
                                        ExitCode.COMPLETED,
                                        "nothing to restart: the last run of the dataset completed (or there is none)",
                                        null)));
    }
}
