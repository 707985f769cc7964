package dev.imagegen.cli;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The job file and its overrides, shared by every command that works on a dataset. */
final class JobFileOptions {

    @Parameters(index = "0", paramLabel = "JOBFILE", description = "the job file (YAML), e.g. jobs/demo.yml")
    Path jobFile;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "override a job file key, e.g. --set run.concurrency=16 --set model.base-url=http://...")
    List<String> overrides = new ArrayList<>();

    /** The job file as is (for commands that do not call the model). */
    JobSpec load() {
        return new JobSpecLoader().load(jobFile, overrides);
    }
}
