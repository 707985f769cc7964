package dev.imagegen.cli;

import java.util.concurrent.atomic.AtomicInteger;

import dev.imagegen.generate.RunGuard;
import sun.misc.Signal;

/**
 * SIGINT / SIGTERM: the first asks the run to stop (calls in flight finish and are stored, the run ends STOPPED and
 * can be restarted); the second exits at once — the database then shows the run as started, and the next start
 * recovers it, adopting any image already on disk.
 */
final class Signals {

    private static final AtomicInteger received = new AtomicInteger();

    private Signals() {
    }

    static void install(RunGuard guard) {
        install(guard, () -> { });
    }

    /** As {@link #install(RunGuard)}, and the first signal also runs {@code alsoOnStop} (e.g. ends a scheduler). */
    static void install(RunGuard guard, Runnable alsoOnStop) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    if (received.incrementAndGet() == 1) {
                        System.err.println("imagegen: SIG" + s.getName() + " received: finishing the calls in "
                                + "flight, then stopping (send it again to exit at once)");
                        guard.stop("stopped by SIG" + s.getName());
                        alsoOnStop.run();
                    } else {
                        System.err.println("imagegen: exiting now; restart the run to continue");
                        Runtime.getRuntime().halt(3);
                    }
                });
            } catch (IllegalArgumentException unsupported) {
                // Not every platform has both signals.
            }
        }
    }
}
