package dev.imagegen.metrics;

import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Pushes a run's metrics to a Prometheus Pushgateway (the Prometheus Java client's {@link PushGateway}), grouped by
 * job, dataset and run id. Each push replaces the run's group (HTTP PUT), so the gateway holds the run's figures as
 * of the last push; connecting and answering are each bounded by {@code timeout}.
 */
final class PushgatewaySink implements MetricsSink {

    private final URI gateway;
    private final String job;
    private final Duration timeout;

    PushgatewaySink(URI gateway, String job, Duration timeout) {
        this.gateway = gateway;
        this.job = job;
        this.timeout = timeout;
    }

    @Override
    public void publish(Figures figures) throws IOException {
        PushGateway.Builder push = PushGateway.builder()
                .scheme(Scheme.fromString(gateway.getScheme()))
                .address(gateway.getHost()
                        + (gateway.getPort() < 0 ? "" : ":" + gateway.getPort())
                        + (gateway.getRawPath() == null ? "" : gateway.getRawPath()))
                .job(job)
                .groupingKey("dataset", figures.dataset())
                .groupingKey("run_id", figures.runId())
                .format(Format.PROMETHEUS_TEXT)
                .connectionTimeout(timeout)
                .readTimeout(timeout)
                .registry(RunMeters.of(figures, false).getPrometheusRegistry());
        String userInfo = gateway.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            push.basicAuth(
                    decode(colon < 0 ? userInfo : userInfo.substring(0, colon)),
                    colon < 0 ? "" : decode(userInfo.substring(colon + 1)));
        }
        push.build().push();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String describe() {
        return "the Pushgateway at " + gateway.getScheme() + "://" + gateway.getHost()
                + (gateway.getPort() < 0 ? "" : ":" + gateway.getPort());
    }
}
