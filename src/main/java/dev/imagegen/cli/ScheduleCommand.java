package dev.imagegen.cli;

import dev.imagegen.schedule.ScheduleFlow;
import java.util.concurrent.Callable;
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
        return new ScheduleFlow(progress.flow(job, workers, check, dryRun), System.out, System.err).run();
    }
}
