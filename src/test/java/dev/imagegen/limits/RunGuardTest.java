package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CostBasis;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RunGuardTest {

    private static RunSpec limits(Double maxCost, Integer maxImages) {
        return new RunSpec(
                4,
                128,
                4,
                100,
                new RunSpec.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50)),
                maxCost,
                maxImages,
                new RunSpec.CircuitBreaker(20, 0.8),
                null);
    }

    private static CallAttempt costing(double usd) {
        return new CallAttempt(1, "transient", 200, usd, CostBasis.KNOWN, null, null, null, 1, null, null, 1, 0, false);
    }

    @Test
    void maxImagesReservesWhatIsLeftCountingTheRunsEarlierExecutions() {
        RunGuard guard = new RunGuard();
        guard.reset(limits(null, 10), new Totals(0, 5, 0));

        assertThat(guard.mayCall(4)).isEqualTo(4);
        assertThat(guard.mayCall(4)).isEqualTo(1);
        assertThat(guard.mayCall(4)).isZero();
        assertThat(guard.cause()).isEqualTo(StopSignal.Cause.MAX_IMAGES);
    }

    @Test
    void theBudgetCountsWhatTheRunSpentBeforeAndEveryAttempt() {
        RunGuard guard = new RunGuard();
        guard.reset(limits(1.0, null), new Totals(0.9, 0, 0));
        assertThat(guard.stopping()).isFalse();

        guard.recordAttempt(costing(0.1));

        assertThat(guard.stopping()).isTrue();
        assertThat(guard.cause()).isEqualTo(StopSignal.Cause.BUDGET);
        assertThat(guard.reason()).contains("budget reached");
        assertThat(StopSignal.Cause.in("x " + StopSignal.Cause.BUDGET.mark() + " y"))
                .isEqualTo(StopSignal.Cause.BUDGET);
    }

    @Test
    void aStopEndsAWaitAtOnce() throws Exception {
        RunGuard guard = new RunGuard();
        guard.reset(limits(null, null));
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return guard.awaitStop(Duration.ofHours(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        guard.stop("stopped by SIGTERM");

        // Bounded only so that a broken wake-up fails the test instead of hanging it for an hour.
        assertThat(waited.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(guard.awaitStop(Duration.ofHours(1))).isTrue();
    }

    @Test
    void theRunsTotalsFromTheDatabaseFeedTheLimitsAndAResetStartsAfresh() {
        RunGuard guard = new RunGuard();
        guard.reset(limits(null, 10));
        guard.recordCommitted(0.1, 1, 0);
        guard.recordImage(0.1);

        guard.shareRunTotals(new Totals(0.6, 9, 0), guard.committed());
        assertThat(guard.mayCall(4)).isEqualTo(1); // 1 here + 8 elsewhere stored
        guard.shareRunTotals(new Totals(0.6, 9, 101), guard.committed());

        assertThat(guard.ending()).isEqualTo(StopSignal.Ending.FAIL);
        assertThat(guard.reason()).contains("skipped across the workers");
        assertThat(guard.stopping()).isTrue();

        guard.reset(limits(null, 10), new Totals(0.6, 9, 0));

        assertThat(guard.ending()).isEqualTo(StopSignal.Ending.NONE);
        assertThat(guard.committed()).isEqualTo(Totals.ZERO);
        assertThat(guard.counters().images()).isZero();
        assertThat(guard.mayCall(4)).isEqualTo(1); // the reservation of before is gone; the run's 9 count
    }
}
