package dev.imagegen.cli;

import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a job file: stages the source's prompts, generates the images that are missing for "
                + "the current settings, and prints a summary.",
                "The same --run-id after a crash or stop restarts that run; a new run id is a new incremental run "
                        + "that only sends prompts without an image for the current request."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Mixin
    CheckOption check;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "name of this run; give an earlier one to restart it (default: a new id from the time)")
    String runId;

    @Option(names = "--dry-run",
            description = "use the local placeholder model: the whole pipeline at zero cost, no key needed")
    boolean dryRun;

    @Override
    public Integer call() {
        return Launch.run(job, dryRun, check,
                launcher -> launcher.run(runId != null ? runId : launcher.newRunId(""), Map.of()));
    }
}
