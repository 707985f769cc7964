package dev.imagegen.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What {@code summary.json} holds and {@code report.html} shows: one run of a dataset, read back from the database
 * (the job's tables and Spring Batch's), so that a report written later says the same as one written at the end.
 * Money is exact (the database's numeric), times are UTC instants, latencies are milliseconds.
 */
public record RunReport(
        int formatVersion,
        String dataset,
        String runId,
        long jobInstanceId,
        String status,
        Instant generatedAt,
        List<ExecutionInfo> executions,
        Counts counts,
        Cost cost,
        Latency latencyMs,
        Retries retries,
        Throughput throughput,
        List<FailureKind> failures,
        Gallery gallery) {

    static final int FORMAT_VERSION = 1;

    RunReport withGallery(Gallery g) {
        return new RunReport(
                formatVersion,
                dataset,
                runId,
                jobInstanceId,
                status,
                generatedAt,
                executions,
                counts,
                cost,
                latencyMs,
                retries,
                throughput,
                failures,
                g);
    }

    /** One start or restart of the run. */
    public record ExecutionInfo(
            long id,
            String status,
            String exitCode,
            String exitMessage,
            Instant startTime,
            Instant endTime,
            double seconds) {}

    /**
     * {@code images} are the run's {@code generated_image} rows, of which {@code imagesAdopted} were found on disk
     * after a crash instead of generated; {@code failedCalls} are its {@code prompt_failure} rows, {@code open} of
     * them not yet resolved by a later success.
     */
    public record Counts(
            long promptsRead,
            long rowsRejected,
            long images,
            long imagesGenerated,
            long imagesAdopted,
            long failedCalls,
            long openFailures) {}

    /**
     * The ledger's figures ({@code model_call}, every attempt of the run): {@code totalUsd} = the successful calls
     * ({@code imagesUsd}) + every failed attempt, retried ones included ({@code failedCallsUsd}) + images adopted
     * from disk after a crash, whose call's row died with it ({@code adoptedImagesUsd}). {@code estimatedUsd} is the
     * part priced from tokens, {@code possiblyBilledUsd} the estimate of the {@code possiblyBilledCalls} calls whose
     * answer never came (timeouts, resets). {@code perImageUsd} = total / images, null without images.
     */
    public record Cost(
            BigDecimal totalUsd,
            BigDecimal imagesUsd,
            BigDecimal failedCallsUsd,
            BigDecimal adoptedImagesUsd,
            BigDecimal perImageUsd,
            long estimatedImages,
            BigDecimal estimatedUsd,
            BigDecimal possiblyBilledUsd,
            long possiblyBilledCalls) {}

    /** Model-call latency of the generated images (retries and waits included), nearest-rank percentiles. */
    public record Latency(long count, Long p50, Long p90, Long p95, Long p99, Long max, Double mean) {}

    /** Extra attempts: {@code total} = the ledger's attempts after the first of their call. */
    public record Retries(long total, long imagesRetried, long failedCallsRetried) {}

    /** Images and failures per time bucket (only buckets with something in them), and the overall pace. */
    public record Throughput(double wallSeconds, Double imagesPerSecond, long bucketSeconds, List<Bucket> buckets) {}

    public record Bucket(Instant start, long images, long failures) {}

    /** The failed calls of one kind: the provider's commonest messages and the first few examples. */
    public record FailureKind(
            String kind, long count, long open, List<MessageCount> messages, List<FailureExample> examples) {}

    public record MessageCount(Integer httpStatus, String message, long count) {}

    public record FailureExample(
            String promptId,
            int variant,
            String prompt,
            Integer httpStatus,
            String message,
            int attempts,
            Instant failedAt,
            boolean resolved) {}

    /** The thumbnail gallery: pages of {@code pageSize} under {@code gallery/}, thumbnails under {@code thumbs/}. */
    public record Gallery(
            long images, int pageSize, int pages, long thumbnails, long thumbnailsMade, long missingFiles) {}
}
