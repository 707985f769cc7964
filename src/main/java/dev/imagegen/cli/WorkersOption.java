package dev.imagegen.cli;

import picocli.CommandLine.Option;

/** {@code --workers}, for the commands that start or restart a run. */
final class WorkersOption {

    @Option(
            names = "--workers",
            paramLabel = "MODE",
            description = "local: run the partitions on this process's threads (default); remote: this process is "
                    + "the manager and 'imagegen worker' processes sharing the database and the output directory "
                    + "run them (same as --set run.workers=remote)")
    String mode;

    /** Adds the choice to the job file's overrides, where the job file's own run.workers is read too. */
    void applyTo(JobFileOptions job) {
        if (mode != null) {
            job.overrides.add("run.workers=" + mode);
        }
    }
}
