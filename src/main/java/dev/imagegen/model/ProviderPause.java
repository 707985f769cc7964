package dev.imagegen.model;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A gate shared by every worker: when the provider says "slow down" (429 with Retry-After), nobody sends until the
 * pause is over — or until the run stops ({@link #wake()}), which ends every wait at once.
 */
public final class ProviderPause {

    /** No pause is longer than this, whatever a provider asks (and the clock arithmetic cannot overflow). */
    private static final Duration MAX_PAUSE = Duration.ofDays(1);

    private long openAtNanos = System.nanoTime();
    private volatile BooleanSupplier stopped = () -> false;

    /** {@code stopped} says when the run stops; {@link #wake()} must then be called. */
    public void stopWhen(BooleanSupplier stopped) {
        this.stopped = stopped;
    }

    public synchronized void pauseFor(Duration d) {
        long nanos = d.isNegative() ? 0 : d.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE.toNanos() : d.toNanos();
        long until = System.nanoTime() + nanos;
        if (until - openAtNanos > 0) {
            openAtNanos = until;
            notifyAll();
        }
    }

    /** Ends every wait at once (the run stopped); callers then see the run's stop before sending. */
    public synchronized void wake() {
        notifyAll();
    }

    public void awaitOpen() throws InterruptedException {
        synchronized (this) {
            long wait;
            while (!stopped.getAsBoolean() && (wait = openAtNanos - System.nanoTime()) > 0) {
                long ms = Math.max(1, wait / 1_000_000);
                wait(ms);
            }
        }
    }
}
