package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagegen.limits.RunStop;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryingImageModelTest {

    private final List<Duration> sleeps = new ArrayList<>();
    private final AtomicInteger retries = new AtomicInteger();
    private final CallGate gate = new CallGate(new ProviderPause(), null, 8);
    private static final Generation OK = new Generation(List.of(), "gen", "m", "p", 1, 1, 0.01, false, null);

    private RetryingImageModel model(ImageModel delegate, int maxAttempts) {
        RunStop recording = new RunStop() {
            @Override
            public boolean stopping() {
                return false;
            }

            @Override
            public boolean awaitStop(Duration d) {
                sleeps.add(d);
                return false;
            }
        };
        RetryingImageModel.AttemptListener counting = new RetryingImageModel.AttemptListener() {
            @Override
            public void onAttempt(dev.imagegen.ledger.CallAttempt attempt) {}

            @Override
            public void onRetry(ModelCallException e, int attempt) {
                retries.incrementAndGet();
            }
        };
        return new RetryingImageModel(
                delegate,
                new RunSpec.Retry(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(2)),
                gate,
                recording,
                counting,
                null);
    }

    @Test
    void honoursRetryAfterAndCountsAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RetryingImageModel m = model(
                r -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new ModelCallException(
                                FailureKind.RATE_LIMITED, 429, "slow", Duration.ofMillis(2500), null);
                    }
                    return OK;
                },
                3);

        RetryingImageModel.Attempted a = m.generateCounting(new ImageRequest("p", 0, "x", null));

        assertThat(a.attempts()).isEqualTo(2);
        // Retry-After is honoured up to run.retry.max-delay (2 s here): a provider's hour is not waited out.
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
        assertThat(retries).hasValue(1);
        assertThat(gate.currentLimit()).isEqualTo(4);
    }

    @Test
    void backsOffExponentiallyWithJitterUpToTheCap() throws Exception {
        RetryingImageModel m = model(
                r -> {
                    throw new ModelCallException(FailureKind.TRANSIENT, 503, "down");
                },
                6);

        RetryingImageModel.AttemptsExhausted e = catchThrowableOfType(
                RetryingImageModel.AttemptsExhausted.class,
                () -> m.generateCounting(new ImageRequest("p", 0, "x", null)));

        assertThat(e.attempts()).isEqualTo(6);
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.getMessage()).contains("gave up after 6 attempts");
        assertThat(sleeps).hasSize(5);
        long[] ceilings = {100, 200, 400, 800, 1600};
        for (int i = 0; i < 5; i++) {
            assertThat(sleeps.get(i).toMillis()).isBetween(ceilings[i] / 2, Math.min(2000, ceilings[i]));
        }
    }

    @Test
    void skipAndStopKindsAreNotRetried() {
        for (FailureKind kind : new FailureKind[] {FailureKind.MODERATION, FailureKind.AUTH, FailureKind.NO_IMAGE}) {
            AtomicInteger calls = new AtomicInteger();
            RetryingImageModel m = model(
                    r -> {
                        calls.incrementAndGet();
                        throw new ModelCallException(kind, 400, "no");
                    },
                    5);
            RetryingImageModel.AttemptsExhausted e = catchThrowableOfType(
                    RetryingImageModel.AttemptsExhausted.class,
                    () -> m.generateCounting(new ImageRequest("p", 0, "x", null)));
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(calls).hasValue(1);
        }
        assertThat(sleeps).isEmpty();
    }

    @Test
    void everyAttemptIsHandedOnWithItsCostAndWhetherItWasRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RetryingImageModel m = model(
                r -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new ModelCallException(FailureKind.TRANSIENT, 200, "billed error", null, 0.5);
                    }
                    if (calls.get() == 2) {
                        throw new ModelCallException(FailureKind.TRANSIENT, null, "no response").possiblyBilled();
                    }
                    return OK;
                },
                3);
        List<dev.imagegen.ledger.CallAttempt> attempts = new ArrayList<>();

        m.generate(new ImageRequest("p", 0, "x", null), attempts);

        assertThat(attempts)
                .extracting(dev.imagegen.ledger.CallAttempt::outcome)
                .containsExactly("transient", "transient", "ok");
        assertThat(attempts)
                .extracting(dev.imagegen.ledger.CallAttempt::basis)
                .containsExactly(
                        dev.imagegen.ledger.CostBasis.KNOWN,
                        dev.imagegen.ledger.CostBasis.POSSIBLY_BILLED,
                        dev.imagegen.ledger.CostBasis.KNOWN);
        assertThat(attempts)
                .extracting(dev.imagegen.ledger.CallAttempt::costUsd)
                .containsExactly(0.5, 0.0, 0.01);
        assertThat(attempts)
                .extracting(dev.imagegen.ledger.CallAttempt::retried)
                .containsExactly(true, true, false);
    }

    @Test
    void aStopDuringTheWaitEndsItAndNoFurtherAttemptIsSent() {
        AtomicInteger calls = new AtomicInteger();
        RunStop stopsWhileWaiting = new RunStop() {
            private volatile boolean stopped;

            @Override
            public boolean stopping() {
                return stopped;
            }

            @Override
            public boolean awaitStop(Duration d) {
                sleeps.add(d);
                stopped = true; // the signal arrives during the wait
                return true;
            }
        };
        RetryingImageModel m = new RetryingImageModel(
                r -> {
                    calls.incrementAndGet();
                    throw new ModelCallException(FailureKind.RATE_LIMITED, 429, "slow", Duration.ofHours(1), null);
                },
                new RunSpec.Retry(5, Duration.ofMillis(100), Duration.ofSeconds(2)),
                gate,
                stopsWhileWaiting,
                RetryingImageModel.AttemptListener.NONE,
                null);
        List<dev.imagegen.ledger.CallAttempt> attempts = new ArrayList<>();

        RetryingImageModel.Stopped stopped = catchThrowableOfType(
                RetryingImageModel.Stopped.class, () -> m.generate(new ImageRequest("p", 0, "x", null), attempts));

        assertThat(stopped.attempts()).isEqualTo(1);
        assertThat(calls).hasValue(1);
        assertThat(attempts).hasSize(1);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2)); // an hour's Retry-After, capped at max-delay
    }

    @Test
    void retryHintsThatWouldOverflowAreBounded() {
        assertThat(BoundedBody.hintMillis(1e20 * 1000)).isEqualTo(BoundedBody.MAX_HINT);
        assertThat(BoundedBody.hintMillis(10_000_000_000d * 1000)).isEqualTo(BoundedBody.MAX_HINT);
        assertThat(BoundedBody.hintMillis(Double.POSITIVE_INFINITY)).isEqualTo(BoundedBody.MAX_HINT);
        assertThat(BoundedBody.hintMillis(-5)).isEqualTo(Duration.ZERO);
        assertThat(BoundedBody.hintMillis(Double.NaN)).isNull();
        assertThat(model(r -> OK, 3).backoff(40, Duration.ofMillis(Long.MAX_VALUE)))
                .isEqualTo(Duration.ofSeconds(2));
        new ProviderPause().pauseFor(Duration.ofSeconds(Long.MAX_VALUE)); // no ArithmeticException
    }
}
