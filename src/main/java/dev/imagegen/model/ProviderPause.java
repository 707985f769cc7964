package dev.imagegen.model;

import java.time.Duration;

/**
 * A gate shared by every worker: when the provider says "slow down" (429 with Retry-After), nobody sends until the
 * pause is over.
 */
public final class ProviderPause {

    private long openAtNanos = System.nanoTime();

    public synchronized void pauseFor(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        if (until - openAtNanos > 0) {
            openAtNanos = until;
            notifyAll();
        }
    }

    public void awaitOpen() throws InterruptedException {
        synchronized (this) {
            long wait;
            while ((wait = openAtNanos - System.nanoTime()) > 0) {
                long ms = Math.max(1, wait / 1_000_000);
                wait(ms);
            }
        }
    }
}
