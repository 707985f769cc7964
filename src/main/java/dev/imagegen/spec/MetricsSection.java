package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.blankToNull;
import static dev.imagegen.spec.FieldValues.positiveDuration;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** The job file's {@code metrics:} section. */
final class MetricsSection {

    private MetricsSection() {}

    /** {@code metrics:}; without {@code metrics.pushgateway}, {@code IMAGEGEN_PUSHGATEWAY} names the gateway. */
    static MetricsSpec read(RawJobFile.Metrics m, Path baseDir, UnaryOperator<String> env) {
        RawJobFile.Metrics metrics = m != null ? m : new RawJobFile.Metrics(null, null, null, null, null);
        String gateway = blankToNull(metrics.pushgateway());
        String field = "metrics.pushgateway";
        if (gateway == null) {
            gateway = blankToNull(env.apply("IMAGEGEN_PUSHGATEWAY"));
            field = "IMAGEGEN_PUSHGATEWAY";
        }
        URI pushgateway =
                gateway == null ? null : FieldValues.httpUrl(field, gateway, "http://pushgateway.example.org:9091");
        String job =
                metrics.job() == null ? MetricsSpec.DEFAULT_JOB : metrics.job().strip();
        if (!job.matches("[A-Za-z_][A-Za-z0-9_.-]{0,63}")) {
            throw new JobFileException("metrics.job: '" + job + "' is not a job name; use letters, digits, "
                    + "'_', '.' or '-', e.g. imagegen");
        }
        Duration interval = metrics.interval() == null
                ? MetricsSpec.DEFAULT_INTERVAL
                : Durations.parse("metrics.interval", metrics.interval());
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new JobFileException(
                    "metrics.interval: " + metrics.interval() + " is too short; at least 1s, " + "e.g. 30s");
        }
        Duration timeout = positiveDuration("metrics.timeout", metrics.timeout(), MetricsSpec.DEFAULT_TIMEOUT);
        Path textfile = metrics.textfile() == null || metrics.textfile().isBlank()
                ? null
                : baseDir.resolve(metrics.textfile().strip()).normalize();
        if (textfile != null && Files.exists(textfile) && !Files.isDirectory(textfile)) {
            throw new JobFileException("metrics.textfile: " + textfile + " is a file; name the directory "
                    + "node_exporter's --collector.textfile.directory reads, e.g. /var/lib/node_exporter/textfile");
        }
        return new MetricsSpec(pushgateway, job, interval, textfile, timeout);
    }
}
