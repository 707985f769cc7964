package dev.imagegen.schedule;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.function.Consumer;

/** A clock that jumps to each slot at once and lets a given number of slots pass, then asks the scheduler to stop. */
final class FakeSlotClock implements SlotClock {

    private ZonedDateTime now;
    private int slotsLeft;
    private Consumer<ZonedDateTime> beforeSlot = slot -> {};

    FakeSlotClock(ZonedDateTime start, int slots) {
        this.now = start;
        this.slotsLeft = slots;
    }

    /** Runs at each slot before the scheduler starts its run (e.g. adds source rows, releases a lock). */
    FakeSlotClock beforeSlot(Consumer<ZonedDateTime> action) {
        this.beforeSlot = action;
        return this;
    }

    @Override
    public ZonedDateTime now(ZoneId zone) {
        return now.withZoneSameInstant(zone);
    }

    @Override
    public boolean awaitUntil(ZonedDateTime time) {
        if (slotsLeft-- <= 0) {
            return false;
        }
        now = time;
        beforeSlot.accept(time);
        return true;
    }
}
