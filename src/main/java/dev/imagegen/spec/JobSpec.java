package dev.imagegen.spec;

import java.nio.file.Path;

/**
 * One dataset's job file, validated and with every default applied. Relative paths are already resolved
 * against the job file's directory.
 */
public record JobSpec(
        Path file,
        String dataset,
        SourceSpec source,
        ModelSpec model,
        RunSpec run,
        OutputSpec output,
        ScheduleSpec schedule,
        MetricsSpec metrics,
        NotifySpec notifications) {

    /** A job file without {@code metrics:} and {@code notify:} sections. */
    public JobSpec(
            Path file,
            String dataset,
            SourceSpec source,
            ModelSpec model,
            RunSpec run,
            OutputSpec output,
            ScheduleSpec schedule) {
        this(file, dataset, source, model, run, output, schedule, MetricsSpec.none(), NotifySpec.none());
    }

    /** A copy whose model is the local placeholder generator (the {@code --dry-run} switch). */
    public JobSpec asDryRun() {
        return withModel(model.asPlaceholder());
    }

    /** A copy with another model (everything else kept). */
    public JobSpec withModel(ModelSpec other) {
        return new JobSpec(file, dataset, source, other, run, output, schedule, metrics, notifications);
    }
}
