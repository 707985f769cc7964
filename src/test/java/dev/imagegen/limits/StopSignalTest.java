package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StopSignalTest {

    private final StopSignal signal = new StopSignal();

    @Test
    void theFirstStopWinsAndAFailureOverridesIt() {
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);

        signal.stopFor(StopSignal.Cause.CREDITS, "no credits left");
        signal.stop("stopped by SIGTERM");

        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.STOP);
        assertThat(signal.cause()).isEqualTo(StopSignal.Cause.CREDITS);
        assertThat(signal.reason()).isEqualTo("no credits left");

        signal.fail("more than run.skip-limit");
        signal.fail("a second failure");
        signal.stop("a later stop");

        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.FAIL);
        assertThat(signal.reason()).isEqualTo("more than run.skip-limit");
        assertThat(signal.cause()).isNull(); // a failed run has no stop cause

        signal.reset();
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);
        assertThat(signal.reason()).isNull();
    }

    @Test
    void everyStopAndFailureRunsTheHooksOnce() {
        AtomicInteger woken = new AtomicInteger();
        signal.onStop(woken::incrementAndGet);

        signal.stop("one");
        signal.stop("ignored: already stopping");
        assertThat(woken).hasValue(1);

        signal.fail("two");
        assertThat(woken).hasValue(2);
    }

    @Test
    void aStopEndsAWaitAtOnceAndAWaitWithoutOneRunsItsTime() throws Exception {
        long start = System.nanoTime();
        assertThat(signal.awaitStop(Duration.ofMillis(50))).isFalse();
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());

        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return signal.awaitStop(Duration.ofHours(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100); // let it start waiting (an unwoken wait would run for an hour)
        signal.stop("stopped by SIGTERM");

        // Bounded only so that a broken wake-up fails the test instead of hanging it for an hour.
        assertThat(waited.get(30, TimeUnit.SECONDS)).isTrue();
        // Once stopped, a wait ends before it starts, however long (no overflow of the clock arithmetic either).
        assertThat(signal.awaitStop(Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
    }

    @Test
    void theCauseIsMarkedInTheExitDescriptionAndReadBack() {
        String exit = "stopped " + StopSignal.Cause.MAX_IMAGES.mark() + " run.max-images reached";

        assertThat(StopSignal.Cause.in(exit)).isEqualTo(StopSignal.Cause.MAX_IMAGES);
        assertThat(StopSignal.Cause.in("stopped by SIGTERM")).isNull();
        assertThat(StopSignal.Cause.in(null)).isNull();
        assertThat(StopSignal.Cause.BUDGET.needsAPerson()).isTrue();
        assertThat(StopSignal.Cause.OTHER.needsAPerson()).isFalse();
    }
}
