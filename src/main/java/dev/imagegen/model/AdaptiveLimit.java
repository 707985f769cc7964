package dev.imagegen.model;

/**
 * The number of calls allowed in flight, adapted to the provider (AIMD): halved on a 429 (at most once per
 * {@code ceiling} calls, so one burst of 429s counts once), raised by one after each {@code current} successful
 * calls in a row, never above the ceiling ({@code run.concurrency}) nor below one.
 */
final class AdaptiveLimit {

    private final int ceiling;
    private int current;
    private int inFlight;
    private int successes;
    private long callsSinceDecrease;

    AdaptiveLimit(int ceiling) {
        this.ceiling = ceiling;
        this.current = ceiling;
        this.callsSinceDecrease = ceiling;
    }

    synchronized void acquire() throws InterruptedException {
        while (inFlight >= current) {
            wait();
        }
        inFlight++;
    }

    synchronized void release(boolean throttled) {
        inFlight--;
        callsSinceDecrease++;
        if (throttled) {
            successes = 0;
            if (callsSinceDecrease >= ceiling && current > 1) {
                current = Math.max(1, current / 2);
                callsSinceDecrease = 0;
            }
        } else if (current < ceiling && ++successes >= current) {
            current++;
            successes = 0;
        }
        notifyAll();
    }

    synchronized int current() {
        return current;
    }
}
