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

    /**
     * A hash of the settings a restart must share with the first execution, and a remote worker with its manager:
     * what shapes the pictures, and where requests go. Recorded with each run as the job parameter
     * {@code job.fingerprint}; its value must never change for the same settings.
     */
    public String fingerprint() {
        return Fingerprint.of(this);
    }

    /** Whether a fingerprint recorded with a run (by this or an earlier version) matches this job file's settings. */
    public boolean matchesFingerprint(String recorded) {
        return Fingerprint.matches(recorded, this);
    }
}
