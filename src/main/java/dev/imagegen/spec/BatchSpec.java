package dev.imagegen.spec;

import java.time.Duration;

/**
 * {@code model.batch}: how the {@code openai-batch} provider submits and waits. A run's pending requests are split
 * into batches of at most {@code maxRequests} requests and {@code maxFileBytes} of input file (the API's limits are
 * 50,000 and 200 MB); the wait polls every {@code pollInterval}, backing off to {@code maxPollInterval}.
 */
public record BatchSpec(int maxRequests, long maxFileBytes, Duration pollInterval, Duration maxPollInterval) {

    /** The Batch API's limits: requests per batch, bytes per input file. */
    public static final int API_MAX_REQUESTS = 50_000;

    public static final long API_MAX_FILE_BYTES = 200L * 1000 * 1000;

    public static final BatchSpec DEFAULTS =
            new BatchSpec(API_MAX_REQUESTS, API_MAX_FILE_BYTES, Duration.ofSeconds(30), Duration.ofMinutes(10));
}
