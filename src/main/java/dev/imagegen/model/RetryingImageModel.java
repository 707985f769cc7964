package dev.imagegen.model;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import dev.imagegen.spec.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries the transient failures of a model call with exponential backoff and full jitter, never sooner than the
 * provider's {@code Retry-After}. A 429 also pauses every other worker through the shared {@link ProviderPause}, so a
 * rate limit slows the whole run instead of being hammered by each thread in turn.
 *
 * <p>This sits inside the item processor rather than in Spring Batch's retry policy because the wait depends on the
 * response (Retry-After) and must be shared across partitions; the outcome — success, skip or stop — is what the
 * chunk sees.
 */
public final class RetryingImageModel implements ImageModel {

    private static final Logger log = LoggerFactory.getLogger(RetryingImageModel.class);

    private final ImageModel delegate;
    private final RunSpec.Retry policy;
    private final ProviderPause pause;
    private final Sleeper sleeper;
    private final RetryListener listener;

    public RetryingImageModel(ImageModel delegate, RunSpec.Retry policy, ProviderPause pause, Sleeper sleeper,
                              RetryListener listener) {
        this.delegate = delegate;
        this.policy = policy;
        this.pause = pause;
        this.sleeper = sleeper;
        this.listener = listener;
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        return generateCounting(request).generation();
    }

    /** The generation with the number of attempts it took. */
    public Attempted generateCounting(ImageRequest request) throws ModelCallException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            pause.awaitOpen();
            try {
                return new Attempted(delegate.generate(request), attempt);
            } catch (ModelCallException e) {
                if (e.kind().action() != FailureKind.Action.RETRY || attempt >= policy.maxAttempts()) {
                    throw new AttemptsExhausted(e, attempt);
                }
                Duration wait = backoff(attempt, e.retryAfter());
                if (e.kind() == FailureKind.RATE_LIMITED) {
                    pause.pauseFor(wait);
                }
                listener.onRetry(e, attempt);
                log.debug("prompt {} v{}: {} (HTTP {}), attempt {} of {}, retrying in {} ms", request.promptId(),
                        request.variant(), e.kind().id(), e.httpStatus(), attempt, policy.maxAttempts(),
                        wait.toMillis());
                sleeper.sleep(wait);
            }
        }
    }

    Duration backoff(int attempt, Duration retryAfter) {
        long cap = policy.maxDelay().toMillis();
        long exp = policy.initialDelay().toMillis() << Math.min(attempt - 1, 30);
        long ceiling = Math.max(1, Math.min(cap, exp));
        long jittered = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
        long hinted = retryAfter == null ? 0 : retryAfter.toMillis();
        return Duration.ofMillis(Math.max(jittered, hinted));
    }

    public record Attempted(Generation generation, int attempts) {
    }

    /** The last failure of a call, with how many attempts were made. */
    public static final class AttemptsExhausted extends ModelCallException {
        private final int attempts;

        AttemptsExhausted(ModelCallException last, int attempts) {
            super(last.kind(), last.httpStatus(), last.getMessage()
                            + (last.kind().action() == FailureKind.Action.RETRY ? " (gave up after " + attempts
                            + " attempts)" : ""), last.retryAfter(), last.costUsd());
            this.attempts = attempts;
        }

        public int attempts() {
            return attempts;
        }
    }

    /** Sleeping, replaceable in tests. */
    @FunctionalInterface
    public interface Sleeper {
        Sleeper REAL = d -> Thread.sleep(Math.max(0, d.toMillis()));

        void sleep(Duration d) throws InterruptedException;
    }

    /** Told about every retry, for the run's counters. */
    @FunctionalInterface
    public interface RetryListener {
        void onRetry(ModelCallException e, int attempt);
    }
}
