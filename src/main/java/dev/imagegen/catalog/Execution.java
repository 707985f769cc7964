package dev.imagegen.catalog;

import java.time.Duration;
import java.time.Instant;

/** One execution (start or restart) of a run, from {@code BATCH_JOB_EXECUTION}. */
public record Execution(
        long id, String status, String exitCode, String exitMessage, Instant startTime, Instant endTime) {

    /** Wall time; an execution still running counts up to {@code now}. */
    public Duration wallTime(Instant now) {
        if (startTime == null) {
            return Duration.ZERO;
        }
        return Duration.between(startTime, endTime != null ? endTime : now);
    }
}
