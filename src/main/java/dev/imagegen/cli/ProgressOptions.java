package dev.imagegen.cli;

import dev.imagegen.progress.ProgressMode;
import dev.imagegen.spec.Durations;
import dev.imagegen.spec.JobFileException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a run shows its progress, and whether it writes its report at the end. */
final class ProgressOptions {

    @Option(
            names = "--progress",
            paramLabel = "MODE",
            defaultValue = "auto",
            description = "auto (a live bar when stderr is a terminal, else log lines), bar, log or off "
                    + "(default: ${DEFAULT-VALUE})")
    String progress = "auto";

    @Option(
            names = "--progress-interval",
            paramLabel = "DURATION",
            defaultValue = "30s",
            description = "how often a progress line is logged without a terminal, e.g. 10s or 5m "
                    + "(default: ${DEFAULT-VALUE})")
    String interval = "30s";

    @Option(names = "--no-report", description = "do not write output.dir/reports/<run>/ after the run")
    boolean noReport;

    record Resolved(ProgressMode mode, Duration interval, boolean report) {}

    Resolved resolve() {
        ProgressMode mode;
        try {
            mode = ProgressMode.parse(progress);
        } catch (IllegalArgumentException e) {
            throw new JobFileException("--progress: " + e.getMessage());
        }
        return new Resolved(mode, Durations.parse("--progress-interval", interval), !noReport);
    }
}
