package dev.imagegen.catalog;

import java.time.Instant;

/**
 * Which images of a dataset to walk: optionally only one run's ({@code jobInstanceId}), only those created in
 * {@code [since, until)}, and only those that still match their prompt's current request (what an export wants: an
 * image made for an older prompt text would carry the wrong caption).
 */
public record ImageFilter(String dataset, Long jobInstanceId, Instant since, Instant until, boolean currentOnly) {

    public static ImageFilter ofRun(RunRef run) {
        return new ImageFilter(run.dataset(), run.jobInstanceId(), null, null, false);
    }
}
