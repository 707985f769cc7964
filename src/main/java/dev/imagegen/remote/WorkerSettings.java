package dev.imagegen.remote;

import java.time.Duration;

/**
 * How a worker runs: {@code concurrency} partitions at once (each makes one model call at a time), a lease the
 * manager may consider it dead after (renewed every third of it), and how often it looks for work when no
 * notification arrives.
 */
public record WorkerSettings(String name, int concurrency, Duration lease, Duration poll) {}
