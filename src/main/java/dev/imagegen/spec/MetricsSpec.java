package dev.imagegen.spec;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The job file's {@code metrics:} section: where a run's figures go while it runs and when it ends. {@code pushgateway}
 * (a Prometheus Pushgateway, or {@code IMAGEGEN_PUSHGATEWAY}) and {@code textfile} (a node_exporter textfile
 * directory) may each be absent; with neither, no metrics are kept.
 */
public record MetricsSpec(URI pushgateway, String job, Duration interval, Path textfile, Duration timeout) {

    public static final String DEFAULT_JOB = "imagegen";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public static MetricsSpec none() {
        return new MetricsSpec(null, DEFAULT_JOB, DEFAULT_INTERVAL, null, DEFAULT_TIMEOUT);
    }

    public boolean enabled() {
        return pushgateway != null || textfile != null;
    }
}
