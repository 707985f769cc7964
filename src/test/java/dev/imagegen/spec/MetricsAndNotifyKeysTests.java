package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job file's metrics: and notify: sections, and IMAGEGEN_PUSHGATEWAY. */
class MetricsAndNotifyKeysTests {

    private static final String BASE = "dataset: d\nsource: { csv: p.csv }\n";

    @TempDir
    Path dir;

    @Test
    void withoutTheSectionsNothingIsPublishedOrSent() throws Exception {
        JobSpec spec = load(BASE, Map.of());
        assertThat(spec.metrics().enabled()).isFalse();
        assertThat(spec.metrics().job()).isEqualTo("imagegen");
        assertThat(spec.metrics().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(spec.notifications().enabled()).isFalse();
    }

    @Test
    void theMetricsKeysAndTheirDefaults() throws Exception {
        JobSpec spec = load(BASE + """
                metrics: { pushgateway: "http://gw.example.org:9091/", job: nightly, interval: 10s, textfile: tf,
                           timeout: 2s }
                """, Map.of());
        MetricsSpec m = spec.metrics();
        assertThat(m.pushgateway()).isEqualTo(URI.create("http://gw.example.org:9091"));
        assertThat(m.job()).isEqualTo("nightly");
        assertThat(m.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(m.textfile()).isEqualTo(dir.resolve("tf"));
        assertThat(m.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theEnvironmentNamesTheGatewayWhenTheJobFileDoesNot() throws Exception {
        Map<String, String> env = Map.of("IMAGEGEN_PUSHGATEWAY", "https://gw.internal:9091");
        assertThat(load(BASE, env).metrics().pushgateway()).isEqualTo(URI.create("https://gw.internal:9091"));
        assertThat(load(BASE + "metrics: { pushgateway: \"http://other:9091\" }\n", env)
                        .metrics()
                        .pushgateway())
                .isEqualTo(URI.create("http://other:9091"));
        assertThatThrownBy(() -> load(BASE, Map.of("IMAGEGEN_PUSHGATEWAY", "gw:9091")))
                .hasMessageStartingWith("IMAGEGEN_PUSHGATEWAY: 'gw:9091' is not an http(s) URL");
    }

    @Test
    void badMetricsKeysAreRefusedByName() {
        assertThatThrownBy(() -> load(BASE + "metrics: { pushgateway: \"ftp://user:pw@gw\" }\n", Map.of()))
                .hasMessageStartingWith("metrics.pushgateway: 'ftp://****@gw' is not an http(s) URL");
        assertThatThrownBy(() -> load(BASE + "metrics: { interval: 500ms }\n", Map.of()))
                .hasMessageStartingWith("metrics.interval: 500ms is too short");
        assertThatThrownBy(() -> load(BASE + "metrics: { job: \"night/ly\" }\n", Map.of()))
                .hasMessageStartingWith("metrics.job:");
        assertThatThrownBy(() -> load(BASE + "metrics: { gateway: x }\n", Map.of()))
                .hasMessageContaining("unknown key 'metrics.gateway'")
                .hasMessageContaining("pushgateway");
    }

    @Test
    void theWebhookIsASecretAndMustBeAUrl() throws Exception {
        JobSpec spec = load(
                BASE + "notify: { webhook: \"${SLACK_WEBHOOK}\", timeout: 3s }\n",
                Map.of("SLACK_WEBHOOK", "https://hooks.slack.com/services/T0/B0/s3cr3t"));
        assertThat(spec.notifications().webhook().reveal()).isEqualTo("https://hooks.slack.com/services/T0/B0/s3cr3t");
        assertThat(spec.notifications().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(spec.toString()).doesNotContain("s3cr3t");

        assertThatThrownBy(() -> load(BASE + "notify: { webhook: \"hooks.slack.com/services/s3cr3t\" }\n", Map.of()))
                .hasMessageStartingWith("notify.webhook: not an http(s) URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
        assertThatThrownBy(() -> load(BASE + "notify: { url: x }\n", Map.of()))
                .hasMessageContaining("unknown key 'notify.url'")
                .hasMessageContaining("webhook");
    }

    private JobSpec load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("job.yml");
        Files.writeString(file, yaml);
        Files.writeString(dir.resolve("p.csv"), "prompt\nx\n");
        return new JobSpecLoader(env::get).load(file, List.of());
    }
}
