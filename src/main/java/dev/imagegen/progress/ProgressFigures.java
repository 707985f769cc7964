package dev.imagegen.progress;

import java.time.Duration;
import java.util.Locale;

/**
 * One reading of a run's progress: what the generate step set out to do, what is done (images stored plus calls
 * skipped), the money spent and the time taken, with the rates and the estimate derived from them.
 */
public record ProgressFigures(long total, long images, long skipped, double costUsd, Duration elapsed) {

    /** Prompts-variants finished one way or another. */
    public long done() {
        return images + skipped;
    }

    public double percent() {
        return total <= 0 ? 100 : Math.min(100, 100.0 * done() / total);
    }

    public double imagesPerSecond() {
        double s = elapsed.toMillis() / 1000.0;
        return s <= 0 ? 0 : images / s;
    }

    /** Time left at the pace so far, or null before anything finished. */
    public Duration eta() {
        long left = Math.max(0, total - done());
        if (left == 0) {
            return Duration.ZERO;
        }
        if (done() == 0 || elapsed.isZero()) {
            return null;
        }
        return Duration.ofMillis((long) (elapsed.toMillis() * (double) left / done()));
    }

    /** The bar's trailing text: pace, money and skips. */
    public String extras() {
        return String.format(Locale.ROOT, "%.2f img/s · $%.4f · %d skipped", imagesPerSecond(), costUsd, skipped);
    }

    /** The line logged when there is no terminal to draw on. */
    public String logLine() {
        Duration eta = eta();
        return String.format(
                Locale.ROOT,
                "progress: %d/%d (%.1f%%), %d images, %d skipped, %.2f images/s, " + "elapsed %s, ETA %s, cost $%.4f",
                done(),
                total,
                percent(),
                images,
                skipped,
                imagesPerSecond(),
                clock(elapsed),
                eta == null ? "unknown" : clock(eta),
                costUsd);
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
