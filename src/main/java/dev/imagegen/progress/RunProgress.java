package dev.imagegen.progress;

import dev.imagegen.limits.RunCounters;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Watches a run from the side: reads the run-wide {@link RunCounters} on a timer and hands the figures to
 * a bar or the log. It starts counting once the generate step has said how much it is about to do, so staging time
 * does not spoil the pace, and it never touches the database.
 */
public final class RunProgress implements AutoCloseable {

    private final RunCounters counters;
    private final ProgressSink sink;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService timer;

    RunProgress(RunCounters counters, ProgressSink sink, LongSupplier nanoTime, ScheduledExecutorService timer) {
        this.counters = counters;
        this.sink = sink;
        this.nanoTime = nanoTime;
        this.timer = timer;
    }

    /**
     * Starts watching. BAR redraws twice a second; LOG writes a line every {@code interval}; OFF shows nothing.
     *
     * @param requested AUTO picks BAR or LOG for this process (see {@link ProgressMode#resolve})
     */
    public static RunProgress start(RunCounters counters, ProgressMode requested, Duration interval) {
        ProgressMode mode = requested.resolve(System::getenv);
        if (mode == ProgressMode.OFF) {
            return new RunProgress(counters, null, System::nanoTime, null);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "imagegen-progress");
            t.setDaemon(true);
            return t;
        });
        RunProgress progress = new RunProgress(
                counters,
                mode == ProgressMode.BAR ? new TerminalBarSink() : new LogLineSink(),
                System::nanoTime,
                timer);
        long period = mode == ProgressMode.BAR ? 500 : Math.max(1, interval.toMillis());
        timer.scheduleAtFixedRate(progress::tickQuietly, period, period, TimeUnit.MILLISECONDS);
        return progress;
    }

    /** One reading; null while the generate step has not started. */
    ProgressFigures read() {
        long total = counters.expected();
        if (total < 0) {
            return null;
        }
        long now = nanoTime.getAsLong();
        return new ProgressFigures(
                total,
                counters.images(),
                counters.skips(),
                counters.cost(),
                Duration.ofNanos(Math.max(0, now - counters.expectedSince())));
    }

    void tick() {
        ProgressFigures figures = read();
        if (figures != null && sink != null) {
            sink.update(figures);
        }
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // Progress is a courtesy: a drawing problem must never disturb the run.
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ProgressFigures last = read();
        if (last != null && sink != null) {
            sink.finish(last);
        }
    }
}
