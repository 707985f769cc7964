package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BudgetTest {

    private final StopSignal signal = new StopSignal();
    private final RunCounters counters = new RunCounters();
    private final Budget budget = new Budget(counters, signal);

    @Test
    void withoutLimitsEveryCallMayAskForAll() {
        counters.reset(Totals.ZERO);
        budget.reset(null, null);

        assertThat(budget.mayCall(4)).isEqualTo(4);
        assertThat(budget.mayKeepMore(3)).isEqualTo(3);
        assertThat(budget.withinLimits()).isTrue();
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);
    }

    @Test
    void maxImagesCountsTheCallsInFlightAndTheRunsEarlierImages() {
        counters.reset(new Totals(0, 3, 0));
        budget.reset(null, 10);

        assertThat(budget.mayCall(4)).isEqualTo(4); // 3 stored + 4 reserved
        assertThat(budget.mayKeepMore(2)).isEqualTo(2); // 9
        assertThat(budget.mayCall(4)).isEqualTo(1); // only 1 left while those are in flight
        assertThat(budget.mayKeepMore(1)).isZero();
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);

        // One call brought its 1 image (counted, then released); another asked for 6 and failed (released).
        counters.addImage(0);
        budget.callFinished(1);
        budget.callFinished(6);

        assertThat(budget.mayCall(4)).isEqualTo(4); // 4 stored, 6 left
        assertThat(budget.mayCall(4)).isEqualTo(2);
        assertThat(budget.mayCall(1)).isZero();
        assertThat(signal.cause()).isEqualTo(StopSignal.Cause.MAX_IMAGES);
        assertThat(signal.reason()).isEqualTo("run.max-images reached (10 images)");
    }

    @Test
    void theBudgetStopsTheRunOnceTheRunsSpendReachesIt() {
        counters.reset(new Totals(0.5, 0, 0));
        budget.reset(1.0, null);
        counters.elsewhere(new Totals(0.3, 0, 0));
        counters.addCost(0.1);

        assertThat(budget.withinBudget()).isTrue();
        assertThat(budget.mayCall(1)).isEqualTo(1);

        counters.addCost(0.1); // 0.5 earlier + 0.3 other workers + 0.2 here
        assertThat(budget.mayCall(1)).isZero();
        assertThat(budget.withinBudget()).isFalse();
        assertThat(signal.cause()).isEqualTo(StopSignal.Cause.BUDGET);
        assertThat(signal.reason()).isEqualTo("budget reached: the run spent $1.0000 of run.max-cost-usd $1.00");
    }

    @Test
    void noCallOnceTheRunIsEnding() {
        counters.reset(Totals.ZERO);
        budget.reset(null, null);
        signal.stop("stopped by SIGTERM");

        assertThat(budget.mayCall(4)).isZero();
        assertThat(signal.reason()).isEqualTo("stopped by SIGTERM");
    }

    @Test
    void aStoredImageIsCountedOnceWhileItsCallIsStillInFlight() {
        counters.reset(Totals.ZERO);
        budget.reset(null, 2);
        assertThat(budget.mayCall(1)).isEqualTo(1);

        // The call stored its image and is still finishing: counted and released in one step. Counted first and
        // released later, a check in between saw 1 stored + 1 reserved = max and stopped the run one image short.
        budget.reservedImageStored();

        assertThat(counters.runImages()).isEqualTo(1);
        assertThat(budget.withinLimits()).isTrue();
        assertThat(budget.mayCall(1)).isEqualTo(1);
        budget.callFinished(0);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);
    }
}
