package dev.imagegen.cli;

import dev.imagegen.run.RunFlow;
import picocli.CommandLine.Option;

/** How a run shows its progress, and whether it writes its report at the end. */
final class ProgressOptions {

    @Option(
            names = "--progress",
            paramLabel = "MODE",
            defaultValue = "auto",
            description = "auto (a live bar when stderr is a terminal, else log lines), bar, log or off "
                    + "(default: ${DEFAULT-VALUE})")
    String progress = "auto";

    @Option(
            names = "--progress-interval",
            paramLabel = "DURATION",
            defaultValue = "30s",
            description = "how often a progress line is logged without a terminal, e.g. 10s or 5m "
                    + "(default: ${DEFAULT-VALUE})")
    String interval = "30s";

    @Option(names = "--no-report", description = "do not write output.dir/reports/<run>/ after the run")
    boolean noReport;

    /**
     * The run's flow as the options of a command that starts or restarts runs chose it (commands without these
     * options use a {@code new ProgressOptions()}: the defaults), printing to this process's stdout and stderr.
     */
    RunFlow flow(JobFileOptions job, WorkersOption workers, CheckOption check, boolean dryRun) {
        workers.applyTo(job);
        return new RunFlow(
                new RunFlow.Options(job.jobFile, job.overrides, dryRun, check.skipCheck, progress, interval, !noReport),
                System.out,
                System.err);
    }
}
