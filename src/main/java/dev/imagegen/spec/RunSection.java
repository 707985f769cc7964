package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.positive;

import java.time.Duration;

/** The job file's {@code run:} section: concurrency, partitions, retries, limits, workers. */
final class RunSection {

    private RunSection() {}

    static RunSpec read(RawJobFile.Run r) {
        RawJobFile.Run run =
                r != null ? r : new RawJobFile.Run(null, null, null, null, null, null, null, null, null, null, null);
        int concurrency = positive("run.concurrency", run.concurrency(), 4);
        if (concurrency > 256) {
            throw new JobFileException("run.concurrency: " + concurrency + " is too high; at most 256");
        }
        int chunkSize = positive("run.chunk-size", run.chunkSize(), 4);
        int skipLimit = run.skipLimit() == null ? 100 : run.skipLimit();
        if (skipLimit < 0) {
            throw new JobFileException("run.skip-limit: must be 0 or more");
        }
        RawJobFile.Retry rr = run.retry();
        RunSpec.Retry retry = new RunSpec.Retry(
                positive("run.retry.max-attempts", rr == null ? null : rr.maxAttempts(), 5),
                rr == null || rr.initialDelay() == null
                        ? Duration.ofSeconds(1)
                        : Durations.parse("run.retry.initial-delay", rr.initialDelay()),
                rr == null || rr.maxDelay() == null
                        ? Duration.ofSeconds(60)
                        : Durations.parse("run.retry.max-delay", rr.maxDelay()));
        if (run.maxCostUsd() != null && run.maxCostUsd() <= 0) {
            throw new JobFileException("run.max-cost-usd: must be more than 0 (or left out for no limit)");
        }
        if (run.maxImages() != null && run.maxImages() <= 0) {
            throw new JobFileException("run.max-images: must be more than 0 (or left out for no limit)");
        }
        RawJobFile.CircuitBreaker cb = run.circuitBreaker();
        int window = positive("run.circuit-breaker.window", cb == null ? null : cb.window(), 20);
        double rate = cb == null || cb.failureRate() == null ? 0.8 : cb.failureRate();
        if (rate <= 0 || rate > 1) {
            throw new JobFileException("run.circuit-breaker.failure-rate: " + rate + " must be more than 0 and "
                    + "at most 1 (e.g. 0.8 = stop when 80% of the recent calls failed)");
        }
        int partitions = positive("run.partitions", run.partitions(), Math.min(2048, concurrency * 32));
        if (run.requestsPerMinute() != null && run.requestsPerMinute() <= 0) {
            throw new JobFileException("run.requests-per-minute: must be more than 0 (or left out for no limit)");
        }
        String workers = run.workers() == null ? RunSpec.LOCAL : run.workers().strip();
        if (!workers.equals(RunSpec.LOCAL) && !workers.equals(RunSpec.REMOTE)) {
            throw new JobFileException("run.workers: '" + workers + "' is not a mode; use local (partitions on "
                    + "this machine's threads) or remote (partitions handed to 'imagegen worker' processes)");
        }
        Duration poll = run.pollInterval() == null
                ? Duration.ofSeconds(2)
                : Durations.parse("run.poll-interval", run.pollInterval());
        if (poll.isZero()) {
            throw new JobFileException("run.poll-interval: must be more than 0, e.g. 2s");
        }
        return new RunSpec(
                concurrency,
                partitions,
                chunkSize,
                skipLimit,
                retry,
                run.maxCostUsd(),
                run.maxImages(),
                new RunSpec.CircuitBreaker(window, rate),
                run.requestsPerMinute(),
                workers,
                poll);
    }
}
