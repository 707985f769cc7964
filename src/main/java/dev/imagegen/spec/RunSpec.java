package dev.imagegen.spec;

import java.time.Duration;

/** How hard to push: parallelism, chunking, tolerance for failures, and the money limits of one run. */
public record RunSpec(int concurrency, int chunkSize, int skipLimit, Retry retry, Double maxCostUsd,
                      Integer maxImages, CircuitBreaker circuitBreaker) {

    /**
     * Stops the run when, among the last {@code window} calls, at least {@code failureRate} failed in a way that
     * points at the provider (errors, exhausted retries, empty or broken answers) — an outage should not burn the
     * skip limit on healthy rows.
     */
    public record CircuitBreaker(int window, double failureRate) {
    }

    public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    }
}
