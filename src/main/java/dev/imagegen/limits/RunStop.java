package dev.imagegen.limits;

import java.time.Duration;

/**
 * The run's stop conditions as the model's retry loop sees them. A wait must end as soon as the run stops
 * (signalled, never polled).
 */
public interface RunStop {
    /** Never stops; each wait is a plain sleep (tests, tools). */
    RunStop NEVER = new RunStop() {
        @Override
        public boolean stopping() {
            return false;
        }

        @Override
        public boolean awaitStop(Duration d) throws InterruptedException {
            Thread.sleep(Math.max(0, d.toMillis()));
            return false;
        }
    };

    /** True once the run is ending (a signal, another thread's 401/402, ...) or its budget is spent. */
    boolean stopping();

    /** Waits {@code d} unless the run stops first; true when it did (the wait then ended at once). */
    boolean awaitStop(Duration d) throws InterruptedException;
}
