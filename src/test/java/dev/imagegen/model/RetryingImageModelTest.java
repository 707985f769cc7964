package dev.imagegen.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.imagegen.spec.RunSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RetryingImageModelTest {

    private final List<Duration> sleeps = new ArrayList<>();
    private final AtomicInteger retries = new AtomicInteger();
    private final CallGate gate = new CallGate(new ProviderPause(), null, 8);
    private static final Generation OK = new Generation(List.of(), "gen", "m", "p", 1, 1, 0.01, false, null);

    private RetryingImageModel model(ImageModel delegate, int maxAttempts) {
        RetryingImageModel.RunStop recording = new RetryingImageModel.RunStop() {
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
            public void onAttempt(dev.imagegen.ledger.CallAttempt attempt) {
            }

            @Override
            public void onRetry(ModelCallException e, int attempt) {
                retries.incrementAndGet();
            }
        };
        return new RetryingImageModel(delegate, new RunSpec.Retry(maxAttempts, Duration.ofMillis(100),
                Duration.ofSeconds(2)), gate, recording, counting, null);
    }

    @Test
    void honoursRetryAfterAndCountsAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RetryingImageModel m = model(r -> {
            if (calls.incrementAndGet() == 1) {
                throw new ModelCallException(FailureKind.RATE_LIMITED, 429, "slow", Duration.ofMillis(2500), null);
            }
            return OK;
        }, 3);

        RetryingImageModel.Attempted a = m.generateCounting(new ImageRequest("p", 0, "x", null));

        assertThat(a.attempts()).isEqualTo(2);
        // Retry-After is honoured up to run.retry.max-delay (2 s here): a provider's hour is not waited out.
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
        assertThat(retries).hasValue(1);
        assertThat(gate.currentLimit()).isEqualTo(4);
    }

    @Test
    void backsOffExponentiallyWithJitterUpToTheCap() throws Exception {
        RetryingImageModel m = model(r -> {
            throw new ModelCallException(FailureKind.TRANSIENT, 503, "down");
        }, 6);

        RetryingImageModel.AttemptsExhausted e = catchThrowableOfType(RetryingImageModel.AttemptsExhausted.class,
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
            RetryingImageModel m = model(r -> {
                calls.incrementAndGet();
                throw new ModelCallException(kind, 400, "no");
            }, 5);
            RetryingImageModel.AttemptsExhausted e = catchThrowableOfType(
                    RetryingImageModel.AttemptsExhausted.class,
                    () -> m.generateCounting(new ImageRequest("p", 0, "x", null)));
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(calls).hasValue(1);
        }
        assertThat(sleeps).isEmpty();
    }
}
