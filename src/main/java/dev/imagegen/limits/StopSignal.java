package dev.imagegen.limits;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether the run is ending, why, and the wake-up of everyone waiting: the first stop or failure wins (a failure
 * overrides a stop), every {@link #awaitStop} ends at once (a condition wait that the stop signals, no polling) and
 * every {@link #onStop} hook runs (e.g. to open the provider's 429 pause).
 */
public final class StopSignal {

    /** Why a run ends early. STOP reasons leave it STOPPED; FAIL reasons leave it FAILED. */
    public enum Ending {
        NONE,
        STOP,
        FAIL
    }

    /**
     * What stopped a run, where it matters to whoever restarts it: the scheduler restarts none that stopped for a
     * reason a restart cannot fix by itself (see {@link #needsAPerson()}).
     */
    public enum Cause {
        BUDGET("budget"),
        MAX_IMAGES("max-images"),
        AUTH("refused key"),
        CREDITS("no credits"),
        OTHER("other");

        /** Marks the cause in the execution's exit description, where the scheduler and {@code status} read it. */
        public static final String MARK = "[imagegen stop: ";

        private final String label;

        Cause(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** A restart would only stop again (or spend what nobody allowed) until someone changes something. */
        public boolean needsAPerson() {
            return this != OTHER;
        }

        /** What someone must change before a restart of a run stopped for this cause can go on; null for OTHER. */
        public String beforeRestart() {
            return switch (this) {
                case BUDGET -> "raise run.max-cost-usd to let it go on by the difference";
                case MAX_IMAGES -> "raise run.max-images to let it go on by the difference";
                case AUTH -> "fix the API key or its permissions";
                case CREDITS -> "add credits or raise the key's limit";
                case OTHER -> null;
            };
        }

        public String mark() {
            return MARK + label + "]";
        }

        /** The cause marked in an exit description, or null. */
        public static Cause in(String exitDescription) {
            if (exitDescription == null) {
                return null;
            }
            for (Cause c : values()) {
                if (exitDescription.contains(c.mark())) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final Duration MAX_WAIT = Duration.ofDays(1);

    private final List<Runnable> wakers = new CopyOnWriteArrayList<>();
    private volatile Ending ending = Ending.NONE;
    private volatile String reason;
    private volatile Cause cause;

    /** A new run: not ending (the {@link #onStop} hooks stay). */
    synchronized void reset() {
        ending = Ending.NONE;
        reason = null;
        cause = null;
    }

    public void stop(String why) {
        stopFor(Cause.OTHER, why);
    }

    /** Stops the run for a cause the scheduler and {@code status} must know (budget, key, credits, ...). */
    public void stopFor(Cause why, String message) {
        synchronized (this) {
            if (ending != Ending.NONE) {
                return;
            }
            ending = Ending.STOP;
            reason = message;
            cause = why;
            notifyAll();
        }
        wakers.forEach(Runnable::run);
    }

    public void fail(String why) {
        synchronized (this) {
            if (ending == Ending.FAIL) {
                return;
            }
            ending = Ending.FAIL;
            reason = why;
            notifyAll();
        }
        wakers.forEach(Runnable::run);
    }

    /** Waits {@code d}, ending at once when the run stops or fails; true when it did. */
    public synchronized boolean awaitStop(Duration d) throws InterruptedException {
        // Bounded so that no hint, however large, overflows the clock arithmetic.
        long deadline =
                System.nanoTime() + (d.isNegative() ? 0 : d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT.toNanos() : d.toNanos());
        long left;
        while (ending == Ending.NONE && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return ending != Ending.NONE;
    }

    /** {@code r} runs whenever the run stops or fails (e.g. to open the provider pause at once). */
    public void onStop(Runnable r) {
        wakers.add(r);
    }

    public Ending ending() {
        return ending;
    }

    /** What stopped the run, when it stopped (null otherwise: still going, or failed). */
    public Cause cause() {
        return ending == Ending.STOP ? cause : null;
    }

    public String reason() {
        return reason;
    }
}
