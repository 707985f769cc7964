package dev.imagegen.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.Money;
import dev.imagegen.testing.Pushgateway;
import dev.imagegen.testing.TestJob;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A run's metrics as a real Prometheus Pushgateway receives them (read back through its HTTP API), as a
 * node_exporter textfile, and what happens to the run when the gateway is down or does not answer.
 */
class MetricsFunctionalTests extends FunctionalTest {

    private static final double COST = 0.0375;

    private TestJob job(String metricsYaml) throws IOException {
        server.costPerImage(COST);
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 10")
                .prompts(
                        "a",
                        "a lighthouse",
                        "b",
                        "a harbour",
                        "c",
                        "a ferry",
                        "d",
                        "a gull",
                        "m",
                        "[moderation] a violent scene",
                        "f",
                        "[flaky] a storm",
                        "r",
                        "[rate-limit] a crowd");
        return job.yaml(job.yaml() + metricsYaml + "\n");
    }

    private long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }

    @Test
    void theGatewayHoldsTheRunsFiguresWhenItEnds() throws Exception {
        try (Pushgateway gateway = Pushgateway.start(dir)) {
            TestJob job = job("metrics: { pushgateway: " + gateway.url() + ", job: nightly }");

            TestJob.Result result = job.run("run", "--run-id", "night-1");

            assertThat(result.exitCode()).as(result.toString()).isZero();
            Pushgateway.Group g = gateway.group("nightly", "test", "night-1").orElseThrow();
            long execution = count("SELECT max(job_execution_id) FROM batch_job_execution");
            assertThat(g.value("imagegen_run_status", "status", "COMPLETED")).isEqualTo(1);
            assertThat(g.value("imagegen_run_exit_code")).isZero();
            assertThat(g.value("imagegen_run_execution_id")).isEqualTo(execution);
            assertThat(g.value("imagegen_images_total"))
                    .isEqualTo(6)
                    .isEqualTo(count("SELECT count(*) FROM generated_image"));
            assertThat(g.value("imagegen_images_planned")).isEqualTo(7);
            assertThat(g.value("imagegen_skipped_total", "kind", "moderation")).isEqualTo(1);
            assertThat(g.value("imagegen_skipped_total", "kind", "no_image")).isZero();
            assertThat(g.value("imagegen_calls_total", "outcome", "success")).isEqualTo(6);
            assertThat(g.value("imagegen_calls_total", "outcome", "moderation")).isEqualTo(1);
            // [flaky] (503) and [rate-limit] (429) succeed on their second attempt: each retry under its kind.
            assertThat(g.value("imagegen_retries_total", "kind", "transient")).isEqualTo(1);
            assertThat(g.value("imagegen_retries_total", "kind", "rate_limited"))
                    .isEqualTo(1);
            assertThat(count("SELECT count(*) FROM model_call WHERE retried"))
                    .isEqualTo(2)
                    .isEqualTo(count("SELECT sum(attempts - 1) FROM generated_image"));

            // The cost is what the provider billed, to the cent, and what the ledger records.
            double cost = g.value("imagegen_cost_usd");
            assertThat(BigDecimal.valueOf(cost).setScale(2, RoundingMode.HALF_EVEN))
                    .isEqualByComparingTo(server.bill().setScale(2, RoundingMode.HALF_EVEN));
            Money.assertRecordedIsTheBill(jdbc, server);
            assertThat(cost).isCloseTo(Money.recorded(jdbc).doubleValue(), within(1e-9));
            assertThat(g.value("imagegen_cost_estimated_usd")).isZero();
            assertThat(g.value("imagegen_budget_left_usd")).isCloseTo(10 - cost, within(1e-9));

            Map<String, Long> latency = g.buckets("imagegen_call_latency_seconds");
            assertThat(latency.get("count")).isEqualTo(6);
            assertThat(latency.get("300")).isEqualTo(6);
            assertThat(latency.get("+Inf")).isEqualTo(6);
            long lastSuccess = jdbc.queryForObject(
                    "SELECT extract(epoch FROM max(created_at))::bigint " + "FROM generated_image", Long.class);
            assertThat(g.value("imagegen_last_success_timestamp_seconds")).isCloseTo(lastSuccess, within(1.0));
            assertThat(g.value("imagegen_images_per_second")).isPositive();
        }
    }

    @Test
    void theGatewaySeesTheRunWhileItRunsAndAgainWhenItStops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.behaviour(call -> {
            if (call.prompt().contains("[hold]")) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return server.markers(call);
        });
        try (Pushgateway gateway = Pushgateway.start(dir)) {
            // The held prompt's id sorts first: a partition takes its prompts in id order, so it is among the
            // first calls whatever partition it falls into (max-images stops the run after four calls).
            TestJob job = TestJob.openRouter(dir, db, server, "max-images: 4")
                    .prompts("a", "one", "b", "two", "c", "three", "0", "[hold] four", "e", "five", "g", "six");
            job.yaml(job.yaml() + "metrics: { pushgateway: " + gateway.url() + ", interval: 1s }\n");

            CompletableFuture<TestJob.Result> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return job.run("run", "--run-id", "live");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            // While [hold] is in flight, the interval pushes show the run as started, with what it has written.
            Pushgateway.Group during = await(
                    gateway,
                    "live",
                    g -> g.has("imagegen_run_status", "status", "STARTED") && g.value("imagegen_images_total") >= 3);
            assertThat(during.has("imagegen_run_exit_code")).isFalse();
            release.countDown();

            TestJob.Result result = running.get(60, TimeUnit.SECONDS);
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(3); // max-images: stopped
            Pushgateway.Group end = gateway.group("imagegen", "test", "live").orElseThrow();
            assertThat(end.value("imagegen_run_status", "status", "STOPPED")).isEqualTo(1);
            assertThat(end.has("imagegen_run_status", "status", "STARTED")).isFalse();
            assertThat(end.value("imagegen_run_exit_code")).isEqualTo(3);
            assertThat(end.value("imagegen_images_total"))
                    .isEqualTo(4)
                    .isEqualTo(count("SELECT count(*) FROM generated_image"));
            assertThat(end.value("imagegen_budget_images_left")).isZero();
        } finally {
            release.countDown();
        }
    }

    private static Pushgateway.Group await(
            Pushgateway gateway, String runId, java.util.function.Predicate<Pushgateway.Group> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Optional<Pushgateway.Group> g = gateway.group("imagegen", "test", runId);
            if (g.isPresent() && done.test(g.get())) {
                return g.get();
            }
            assertThat(System.nanoTime())
                    .as("the gateway's group of run " + runId + ": " + g)
                    .isLessThan(deadline);
            Thread.sleep(100); // polling the external gateway's state, with a deadline
        }
    }

    @Test
    void aGatewayThatIsDownOrDoesNotAnswerLeavesTheRunAsItWouldBe() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0)) {
            closed = probe.getLocalPort();
        }
        // Accepts connections (the kernel does, from its backlog) and never answers.
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            for (String url : List.of("http://127.0.0.1:" + closed, "http://127.0.0.1:" + silent.getLocalPort())) {
                String dataset = "down-" + url.substring(url.lastIndexOf(':') + 1);
                TestJob job = job("metrics: { pushgateway: " + url + ", interval: 1s, timeout: 300ms }");
                job.yaml(job.yaml().replace("dataset: test", "dataset: " + dataset));

                TestJob.Result result = job.run("run");

                assertThat(result.exitCode()).as(result.toString()).isZero();
                assertThat(count("SELECT count(*) FROM generated_image WHERE dataset = '" + dataset + "'"))
                        .isEqualTo(6);
                assertThat(count("SELECT count(*) FROM prompt_failure WHERE dataset = '" + dataset + "'"))
                        .isEqualTo(1);
                assertThat(result.stderr()).contains("metrics: cannot publish to the Pushgateway at " + url);
            }
        }
    }

    @Test
    void aTextfileForNodeExporterIsWrittenWholeAndLabelled() throws Exception {
        Path textfiles = dir.resolve("textfile");
        TestJob job = job("metrics: { textfile: textfile }");

        TestJob.Result result = job.run("run", "--run-id", "tf-1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        try (Stream<Path> files = Files.list(textfiles)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("imagegen_test.prom");
        }
        String text = Files.readString(textfiles.resolve("imagegen_test.prom"));
        assertThat(value(text, "imagegen_images_total{dataset=\"test\",run_id=\"tf-1\"}"))
                .isEqualTo(6);
        assertThat(value(text, "imagegen_skipped_total{dataset=\"test\",kind=\"moderation\",run_id=\"tf-1\"}"))
                .isEqualTo(1);
        assertThat(value(text, "imagegen_run_exit_code{dataset=\"test\",run_id=\"tf-1\"}"))
                .isZero();
        assertThat(text).contains("# TYPE imagegen_call_latency_seconds histogram");
    }

    private static double value(String exposition, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        assertThat(m.find()).as(series + " in\n" + exposition).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
