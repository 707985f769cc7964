package dev.imagegen.progress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A log line per reading: what cron mail, CI logs and {@code journalctl} show. */
final class LogLineSink implements ProgressSink {

    private static final Logger log = LoggerFactory.getLogger("dev.imagegen.progress");

    @Override
    public void update(ProgressFigures figures) {
        log.info(figures.logLine());
    }

    @Override
    public void finish(ProgressFigures figures) {
        log.info(figures.logLine());
    }
}
