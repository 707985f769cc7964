package dev.imagegen.spec;

import java.time.Duration;

/** How hard to push: parallelism, chunking, tolerance for failures, and the money limits of one run. */
public record RunSpec(int concurrency, int chunkSize, int skipLimit, Retry retry, Double maxCostUsd,
                      Integer maxImages) {

    public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    }
}
