package dev.imagegen.spec;

import java.nio.file.Path;

/**
 * One dataset's job file, validated and with every default applied. Relative paths are already resolved
 * against the job file's directory.
 */
public record JobSpec(Path file, String dataset, SourceSpec source, ModelSpec model, RunSpec run, OutputSpec output,
                      ScheduleSpec schedule) {

    /** A copy whose model is the local placeholder generator (the {@code --dry-run} switch). */
    public JobSpec asDryRun() {
        return new JobSpec(file, dataset, source, model.asPlaceholder(), run, output, schedule);
    }
}
