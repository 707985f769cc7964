package dev.imagegen.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Wall-clock time; {@link #stop()} ends a wait at once (a signal asking the scheduler to exit). */
public final class SystemSlotClock implements SlotClock {

    /** Re-reads the clock at least this often, so a wait survives the machine sleeping or the clock being set. */
    private static final long MAX_WAIT_MS = 30_000;

    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public ZonedDateTime now(ZoneId zone) {
        return ZonedDateTime.now(zone);
    }

    @Override
    public boolean awaitUntil(ZonedDateTime time) throws InterruptedException {
        while (true) {
            long ms = Duration.between(Instant.now(), time.toInstant()).toMillis();
            if (stop.getCount() == 0) {
                return false;
            }
            if (ms <= 0) {
                return true;
            }
            if (stop.await(Math.min(ms, MAX_WAIT_MS), TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
    }

    public void stop() {
        stop.countDown();
    }
}
