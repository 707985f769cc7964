package dev.imagegen.metrics;

import java.time.Instant;
import java.util.Map;

/**
 * What a run has done so far (or in all, once {@code ended}): the figures its metrics and its failure notice show.
 * Counts, cost and latencies cover the whole run, i.e. every execution of the run id, as its report does; the pace
 * is this execution's. Optional figures are null when unknown or not limited.
 *
 * @param status       Spring Batch's status of this execution (STARTED while it runs)
 * @param exitCode     the command's exit code for this ending; null while running
 * @param planned      images this execution set out to make; null before its generate step started
 * @param latencyMs    the run's model calls by latency in milliseconds: latency → number of calls
 */
public record Figures(
        String dataset,
        String runId,
        long executionId,
        String status,
        Integer exitCode,
        String reason,
        Instant started,
        Instant endedAt,
        Long planned,
        long images,
        long adopted,
        Map<String, Long> skippedByKind,
        long rowsRejected,
        long successfulCalls,
        Map<String, Long> failedCallsByKind,
        Map<String, Long> retriesByKind,
        double costUsd,
        double costEstimatedUsd,
        Double budgetLeftUsd,
        Long imagesLeft,
        double imagesPerSecond,
        Instant lastSuccess,
        Map<Long, Long> latencyMs) {

    public Figures {
        skippedByKind = Map.copyOf(skippedByKind);
        failedCallsByKind = Map.copyOf(failedCallsByKind);
        retriesByKind = Map.copyOf(retriesByKind);
        latencyMs = Map.copyOf(latencyMs);
    }

    public boolean ended() {
        return exitCode != null;
    }

    public long skipped() {
        return skippedByKind.values().stream().mapToLong(Long::longValue).sum();
    }
}
