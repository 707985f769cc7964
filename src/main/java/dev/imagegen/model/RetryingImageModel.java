package dev.imagegen.model;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import dev.imagegen.spec.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries the transient failures of a model call with exponential backoff and full jitter, never sooner than the
 * provider's {@code Retry-After}. Every attempt passes the shared {@link CallGate}: a 429 pauses every other worker
 * and lowers the in-flight limit, so a rate limit slows the whole run instead of being hammered by each thread.
 *
 * <p>This sits inside the item processor rather than in Spring Batch's retry policy because the wait depends on the
 * response (Retry-After) and must be shared across partitions; the outcome — success, skip or stop — is what the
 * chunk sees.
 */
public final class RetryingImageModel implements ImageModel {

    private static final Logger log = LoggerFactory.getLogger(RetryingImageModel.class);

    private final ImageModel delegate;
    private final RunSpec.Retry policy;
    private final CallGate gate;
    private final Sleeper sleeper;
    private final RetryListener listener;

    public RetryingImageModel(ImageModel delegate, RunSpec.Retry policy, CallGate gate, Sleeper sleeper,
                              RetryListener listener) {
        this.delegate = delegate;
        this.policy = policy;
        this.gate = gate;
        this.sleeper = sleeper;
        this.listener = listener;
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        return generateCounting(request).generation();
    }

    @Override
    public int maxImagesPerCall() {
        return delegate.maxImagesPerCall();
    }

    /** The generation with the number of attempts it took. */
    public Attempted generateCounting(ImageRequest request) throws ModelCallException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            ModelCallException failure;
            gate.acquire();
            try {
                Generation g = delegate.generate(request);
                gate.release(false);
                return new Attempted(g, attempt);
            } catch (ModelCallException e) {
                gate.release(e.kind() == FailureKind.RATE_LIMITED);
                failure = e;
            } catch (RuntimeException | InterruptedException e) {
                gate.release(false);
                throw e;
            }
            if (failure.kind().action() != FailureKind.Action.RETRY || attempt >= policy.maxAttempts()) {
                throw new AttemptsExhausted(failure, attempt);
            }
            Duration wait = backoff(attempt, failure.retryAfter());
            if (failure.kind() == FailureKind.RATE_LIMITED) {
                gate.pauseFor(wait);
            }
            listener.onRetry(failure, attempt);
            log.debug("prompt {} v{}: {} (HTTP {}), attempt {} of {}, retrying in {} ms", request.promptId(),
                    request.variant(), failure.kind().id(), failure.httpStatus(), attempt, policy.maxAttempts(),
                    wait.toMillis());
            sleeper.sleep(wait);
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
            inheritDetails(last);
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
