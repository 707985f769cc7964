package dev.imagegen.model;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;

/**
 * What every model call passes through, shared by all partitions: the provider's pause after a 429
 * ({@link ProviderPause}), the requests-per-minute token bucket, and the adaptive in-flight limit
 * ({@link AdaptiveLimit}). One gate per run.
 */
public final class CallGate {

    private final ProviderPause pause;
    private final Bucket bucket;
    private final AdaptiveLimit limit;

    /**
     * @param requestsPerMinute null for no rate limit
     * @param maxInFlight       the ceiling of calls in flight ({@code run.concurrency})
     */
    public CallGate(ProviderPause pause, Integer requestsPerMinute, int maxInFlight) {
        this(
                pause,
                requestsPerMinute == null
                        ? null
                        : Bucket.builder()
                                .addLimit(rateLimit(requestsPerMinute))
                                .build(),
                maxInFlight);
    }

    /**
     * A gate whose requests-per-minute bucket is kept elsewhere, e.g. in the database and shared by every worker of
     * a run ({@link SharedRateLimit}).
     */
    public static CallGate withBucket(ProviderPause pause, Bucket bucket, int maxInFlight) {
        return new CallGate(pause, bucket, maxInFlight);
    }

    private CallGate(ProviderPause pause, Bucket bucket, int maxInFlight) {
        this.pause = pause;
        this.bucket = bucket;
        this.limit = new AdaptiveLimit(maxInFlight);
    }

    /** The bucket for {@code run.requests-per-minute}, wherever it is kept. */
    public static BucketConfiguration configuration(int requestsPerMinute) {
        return BucketConfiguration.builder()
                .addLimit(rateLimit(requestsPerMinute))
                .build();
    }

    private static Bandwidth rateLimit(int requestsPerMinute) {
        // One token of burst, refilled at (rpm - 1) per minute: then no 60-second window, however it is placed,
        // ever sees more than rpm calls, so a provider's sliding-window limit is never hit.
        return Bandwidth.builder()
                .capacity(1)
                .refillGreedy(1, Duration.ofNanos(60_000_000_000L / Math.max(1, requestsPerMinute - 1)))
                .build();
    }

    /** Waits until a call may be sent; pair with {@link #release}. */
    public void acquire() throws InterruptedException {
        pause.awaitOpen();
        limit.acquire();
        if (bucket != null) {
            try {
                bucket.asBlocking().consume(1);
            } catch (InterruptedException e) {
                limit.release(false);
                throw e;
            }
        }
    }

    /** @param throttled true when the provider answered 429 */
    public void release(boolean throttled) {
        limit.release(throttled);
    }

    public void pauseFor(Duration d) {
        pause.pauseFor(d);
    }

    public int currentLimit() {
        return limit.current();
    }
}
