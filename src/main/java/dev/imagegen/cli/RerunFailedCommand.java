package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.catalog.RerunSelection;
import dev.imagegen.model.FailureKind;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "rerun-failed",
        mixinStandardHelpOptions = true,
        description = {
            "A new run over exactly the prompts whose last attempt failed (they have an unresolved "
                    + "prompt_failure row), optionally only some kinds. Each failure is marked resolved when its "
                    + "prompt succeeds.",
            "Kinds: transient, rate_limited, bad_request, moderation, no_image, invalid_image."
        })
final class RerunFailedCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Mixin
    CheckOption check;

    @Mixin
    WorkersOption workers;

    @Option(
            names = "--kind",
            paramLabel = "KIND",
            split = ",",
            description = "only failures of these kinds, e.g. --kind transient,no_image")
    List<String> kinds;

    @Option(names = "--run-id", paramLabel = "ID", description = "name of this run (default: rerun-<time>)")
    String runId;

    @Option(names = "--dry-run", description = "use the local placeholder model")
    boolean dryRun;

    @Override
    public Integer call() {
        String kindList;
        try {
            kindList = kinds == null || kinds.isEmpty()
                    ? RerunSelection.ALL_KINDS
                    : kinds.stream().map(k -> FailureKind.fromId(k).id()).collect(Collectors.joining(","));
        } catch (IllegalArgumentException e) {
            System.err.println("imagegen: --kind: " + e.getMessage());
            return ExitCode.USAGE;
        }
        return new ProgressOptions()
                .flow(job, workers, check, dryRun)
                .run(
                        null,
                        launcher -> launcher.run(
                                runId != null ? runId : launcher.newRunId("rerun-"),
                                Map.of(RerunSelection.PARAMETER, kindList)));
    }
}
