package dev.imagegen.model;

import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.ledger.CostBasis;
import dev.imagegen.limits.RunStop;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries the transient failures of a model call with exponential backoff and full jitter, never sooner than the
 * provider's {@code Retry-After} (capped at {@code run.retry.max-delay}). Every attempt passes the shared
 * {@link CallGate}: a 429 pauses every other worker and lowers the in-flight limit, so a rate limit slows the whole
 * run instead of being hammered by each thread.
 *
 * <p>Every attempt, success or not, becomes a {@link CallAttempt} in the caller's list — with its cost, stated,
 * estimated or (no answer after the request went out) possibly billed at {@link CallCostEstimate}'s estimate — and is
 * told to the listener at once, so the budget counts it before the next call anywhere in the run. Before every retry
 * and during every wait the run's {@link RunStop} is consulted: a signal, a spent budget or another thread's 401/402
 * ends the wait at once and no further attempt is made.
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
    private final RunStop stop;
    private final AttemptListener listener;
    private final CallCostEstimate estimate;

    /**
     * @param estimate prices an attempt whose answer never arrived; null prices it at 0 (still marked possibly billed)
     */
    public RetryingImageModel(
            ImageModel delegate,
            RunSpec.Retry policy,
            CallGate gate,
            RunStop stop,
            AttemptListener listener,
            CallCostEstimate estimate) {
        this.delegate = delegate;
        this.policy = policy;
        this.gate = gate;
        this.stop = stop;
        this.listener = listener;
        this.estimate = estimate;
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        return generate(request, new ArrayList<>()).generation();
    }

    @Override
    public int maxImagesPerCall() {
        return delegate.maxImagesPerCall();
    }

    /** The generation with the number of attempts it took (the attempts themselves are not kept). */
    public Attempted generateCounting(ImageRequest request) throws ModelCallException, InterruptedException {
        return generate(request, new ArrayList<>());
    }

    /**
     * One call, retried as the policy allows. {@code attempts} receives every attempt as it ends, whatever then
     * happens (a success, a skip, a stop, an interrupt), so that the ledger misses none.
     *
     * @throws AttemptsExhausted the last failure, when it is not retried or the attempts ran out
     * @throws Stopped           the run stopped before the call (or its next attempt) could be sent
     */
    public Attempted generate(ImageRequest request, List<CallAttempt> attempts)
            throws ModelCallException, InterruptedException {
        ModelCallException last = null;
        for (int attempt = 1; ; attempt++) {
            if (stop.stopping()) {
                throw new Stopped(last, attempt - 1);
            }
            gate.acquire();
            if (stop.stopping()) {
                // The wait at the gate (a 429's pause) ended because the run stopped: send nothing.
                gate.release(false);
                throw new Stopped(last, attempt - 1);
            }
            if (attempt > 1) {
                // Only now is the previous attempt really retried (a stop above would have ended the call).
                attempts.set(
                        attempts.size() - 1, attempts.get(attempts.size() - 1).asRetried());
            }
            long start = System.nanoTime();
            ModelCallException failure;
            try {
                Generation g = delegate.generate(request);
                gate.release(false);
                record(attempts, success(attempt, request.count(), g, millisSince(start)));
                return new Attempted(g, attempt);
            } catch (ModelCallException e) {
                gate.release(e.kind() == FailureKind.RATE_LIMITED);
                record(attempts, failed(attempt, request.count(), e, millisSince(start)));
                failure = e;
            } catch (RuntimeException | InterruptedException e) {
                gate.release(false);
                throw e;
            }
            last = failure;
            if (failure.kind().action() != FailureKind.Action.RETRY || attempt >= policy.maxAttempts()) {
                throw new AttemptsExhausted(failure, attempt);
            }
            if (stop.stopping()) {
                throw new Stopped(failure, attempt); // e.g. this attempt's billed error spent the budget
            }
            Duration wait = backoff(attempt, failure.retryAfter());
            if (failure.kind() == FailureKind.RATE_LIMITED) {
                gate.pauseFor(wait);
            }
            listener.onRetry(failure, attempt);
            log.debug(
                    "prompt {} v{}: {} (HTTP {}), attempt {} of {}, retrying in {} ms",
                    request.promptId(),
                    request.variant(),
                    failure.kind().id(),
                    failure.httpStatus(),
                    attempt,
                    policy.maxAttempts(),
                    wait.toMillis());
            if (stop.awaitStop(wait)) {
                throw new Stopped(failure, attempt);
            }
        }
    }

    private void record(List<CallAttempt> attempts, CallAttempt a) {
        attempts.add(a);
        listener.onAttempt(a);
    }

    private static CallAttempt success(int attempt, int asked, Generation g, long latencyMs) {
        return new CallAttempt(
                attempt,
                CallAttempt.OK,
                200,
                g.costUsd(),
                g.costEstimated() ? CostBasis.ESTIMATED : CostBasis.KNOWN,
                g.generationId(),
                g.model(),
                g.provider(),
                latencyMs,
                g.promptTokens(),
                g.completionTokens(),
                asked,
                0,
                false);
    }

    private CallAttempt failed(int attempt, int asked, ModelCallException e, long latencyMs) {
        CostBasis basis = e.costBasis();
        double cost = e.costUsd() != null
                ? e.costUsd()
                : basis == CostBasis.POSSIBLY_BILLED && estimate != null
                        ? estimate.perCall(asked).usd()
                        : 0;
        return new CallAttempt(
                attempt,
                e.kind().id(),
                e.httpStatus(),
                cost,
                basis,
                e.generationId(),
                e.model(),
                e.provider(),
                latencyMs,
                e.promptTokens(),
                e.completionTokens(),
                asked,
                0,
                false);
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Exponential backoff with jitter, at least the provider's hint, and never more than {@code max-delay}. */
    Duration backoff(int attempt, Duration retryAfter) {
        long cap = Math.max(1, policy.maxDelay().toMillis());
        long initial = Math.max(1, policy.initialDelay().toMillis());
        int shift = Math.min(attempt - 1, 30);
        long exp = initial > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initial << shift;
        long ceiling = Math.max(1, Math.min(cap, exp));
        long jittered = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
        long hinted = retryAfter == null ? 0 : Math.min(cap, saturatedMillis(retryAfter));
        return Duration.ofMillis(Math.max(jittered, hinted));
    }

    private static long saturatedMillis(Duration d) {
        try {
            return Math.max(0, d.toMillis());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    public record Attempted(Generation generation, int attempts) {}

    /** The last failure of a call, with how many attempts were made. */
    public static final class AttemptsExhausted extends ModelCallException {
        private final int attempts;

        AttemptsExhausted(ModelCallException last, int attempts) {
            super(
                    last.kind(),
                    last.httpStatus(),
                    last.getMessage()
                            + (last.kind().action() == FailureKind.Action.RETRY
                                    ? " (gave up after " + attempts + " attempts)"
                                    : ""),
                    last.retryAfter(),
                    last.costUsd());
            this.attempts = attempts;
            inheritDetails(last);
        }

        public int attempts() {
            return attempts;
        }
    }

    /**
     * The run stopped before this call, or its next attempt, was sent: nothing is skipped (the variants stay pending
     * for the restart); the attempts already made are in the caller's list.
     */
    public static final class Stopped extends ModelCallException {
        private final int attempts;

        Stopped(ModelCallException last, int attempts) {
            super(
                    last == null ? FailureKind.TRANSIENT : last.kind(),
                    last == null ? null : last.httpStatus(),
                    last == null
                            ? "the run is stopping"
                            : "the run is stopping; the last attempt failed: " + last.getMessage(),
                    null,
                    null);
            this.attempts = attempts;
        }

        public int attempts() {
            return attempts;
        }
    }

    /** Told about every attempt as it ends (for the budget) and every retry (for the run's counters). */
    public interface AttemptListener {
        AttemptListener NONE = a -> {};

        void onAttempt(CallAttempt attempt);

        default void onRetry(ModelCallException e, int attempt) {}
    }
}
