package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final StopSignal signal = new StopSignal();
    private final CircuitBreaker breaker = new CircuitBreaker(signal);

    @Test
    void itTripsOnlyOnceTheWindowIsFullAndItsFailureRateReachesTheLimit() {
        breaker.reset(5, 0.6); // 3 of the last 5

        breaker.record(true);
        breaker.record(true);
        breaker.record(true);
        breaker.record(true);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE); // 4 failures, but only 4 calls seen

        breaker.record(false);

        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.STOP);
        assertThat(signal.cause()).isEqualTo(StopSignal.Cause.OTHER); // restartable
        assertThat(signal.reason()).startsWith("the provider seems to be failing: 4 of the last 5 calls failed");
    }

    @Test
    void theWindowSlidesOldFailuresOut() {
        breaker.reset(4, 0.5); // 2 of the last 4

        breaker.record(true);
        breaker.record(false);
        breaker.record(false);
        breaker.record(false); // full: 1 of 4
        breaker.record(true); // the first failure left the window: still 1 of 4
        breaker.record(false);
        breaker.record(false);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);

        breaker.record(true); // 2 of the last 4

        assertThat(signal.reason()).startsWith("the provider seems to be failing: 2 of the last 4 calls failed");
    }

    @Test
    void successesKeepItClosed() {
        breaker.reset(3, 1.0);
        for (int i = 0; i < 10; i++) {
            breaker.record(i % 3 != 0); // 2 of every 3 fail: never all 3
        }
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);
    }

    @Test
    void aResetStartsAnEmptyWindowAndAWindowOfNoneIsOff() {
        breaker.reset(2, 1.0);
        breaker.record(true);
        breaker.reset(2, 1.0);
        breaker.record(true);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);

        breaker.reset(0, 1.0);
        for (int i = 0; i < 10; i++) {
            breaker.record(true);
        }
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);
    }
}
