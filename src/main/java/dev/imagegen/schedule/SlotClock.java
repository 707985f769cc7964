package dev.imagegen.schedule;

import java.time.ZoneId;
import java.time.ZonedDateTime;

/** The scheduler's sense of time: what time it is, and waiting for a slot. Tests drive it without real waiting. */
public interface SlotClock {

    ZonedDateTime now(ZoneId zone);

    /** Waits until {@code time}; false when the scheduler is asked to stop instead. */
    boolean awaitUntil(ZonedDateTime time) throws InterruptedException;
}
