package dev.imagegen.run;

import dev.imagegen.limits.RunGuard;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGINT / SIGTERM: the first asks the run to stop (calls in flight finish and are stored, the run ends STOPPED and
 * can be restarted); the second exits at once — the database then shows the run as started, and the next start
 * recovers it, adopting any image already on disk.
 */
public final class Signals {

    private static final AtomicInteger received = new AtomicInteger();

    private Signals() {}

    public static void install(RunGuard guard) {
        install(guard, () -> {});
    }

    /** As {@link #install(RunGuard)}, and the first signal also runs {@code alsoOnStop} (e.g. ends a scheduler). */
    public static void install(RunGuard guard, Runnable alsoOnStop) {
        install("finishing the calls in flight, then stopping", name -> {
            guard.stop("stopped by SIG" + name);
            alsoOnStop.run();
        });
    }

    /** @param first what the first signal does (given the signal's name); the second exits at once */
    public static void install(String firstDoes, java.util.function.Consumer<String> first) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    if (received.incrementAndGet() == 1) {
                        System.err.println("imagegen: SIG" + s.getName() + " received: " + firstDoes
                                + " (send it again to exit at once)");
                        first.accept(s.getName());
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
