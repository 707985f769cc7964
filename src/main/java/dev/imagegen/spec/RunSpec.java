package dev.imagegen.spec;

import java.time.Duration;

/**
 * How hard to push: parallelism, chunking, tolerance for failures, and the money limits of one run.
 * {@code concurrency} is the number of calls in flight (threads); {@code partitions} the number of restartable
 * shares the work is split into — several per thread, so that a thread whose share runs out takes another and all
 * stay busy to the end.
 */
public record RunSpec(
        int concurrency,
        int partitions,
        int chunkSize,
        int skipLimit,
        Retry retry,
        Double maxCostUsd,
        Integer maxImages,
        CircuitBreaker circuitBreaker,
        Integer requestsPerMinute,
        String workers,
        Duration pollInterval) {

    /** {@code run.workers}: partitions run on this process's threads. */
    public static final String LOCAL = "local";
    /**
     * {@code run.workers}: this process is a manager that hands the partitions to {@code imagegen worker} processes
     * through the database, and polls the job repository ({@code run.poll-interval}) until they are done.
     */
    public static final String REMOTE = "remote";

    /** A local run (partitions on this process's threads). */
    public RunSpec(
            int concurrency,
            int partitions,
            int chunkSize,
            int skipLimit,
            Retry retry,
            Double maxCostUsd,
            Integer maxImages,
            CircuitBreaker circuitBreaker,
            Integer requestsPerMinute) {
        this(
                concurrency,
                partitions,
                chunkSize,
                skipLimit,
                retry,
                maxCostUsd,
                maxImages,
                circuitBreaker,
                requestsPerMinute,
                LOCAL,
                Duration.ofSeconds(2));
    }

    public boolean remote() {
        return REMOTE.equals(workers);
    }

    /**
     * Stops the run when, among the last {@code window} calls, at least {@code failureRate} failed in a way that
     * points at the provider (errors, exhausted retries, empty or broken answers) — an outage should not burn the
     * skip limit on healthy rows.
     */
    public record CircuitBreaker(int window, double failureRate) {}

    public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay) {}
}
