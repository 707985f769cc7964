package dev.imagegen.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code notify.webhook} against a local HTTP server: the notice a run that did not complete sends (status, body),
 * none for a completed run, and a webhook that refuses, is down or never answers leaves the run's outcome alone.
 */
class FailureNoticeFunctionalTests extends FunctionalTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What the webhook received: content type and body of each POST. */
    private record Received(String method, String contentType, String body) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch answer = new CountDownLatch(1);
    private volatile int status = 200;
    private volatile boolean silent;
    private HttpServer webhook;

    private String startWebhook() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        webhook.setExecutor(Executors.newCachedThreadPool());
        webhook.createContext("/services/T000/B000/secret-token", exchange -> {
            try (exchange;
                    InputStream in = exchange.getRequestBody()) {
                received.add(new Received(
                        exchange.getRequestMethod(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                if (silent) {
                    answer.await(60, TimeUnit.SECONDS); // a webhook that never answers (until the test ends)
                }
                byte[] reply = (status == 200 ? "ok" : "no_service").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, reply.length);
                exchange.getResponseBody().write(reply);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        webhook.start();
        return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/services/T000/B000/secret-token";
    }

    @AfterEach
    void stopWebhook() {
        answer.countDown();
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    /** Five prompts, at most two images: the run stops (exit 3) and can be restarted. */
    private TestJob stoppingJob(String url, String timeout) throws IOException {
        TestJob job = TestJob.openRouter(dir, db, server, "max-images: 2")
                .prompts("a", "one", "b", "two", "c", "three", "d", "four", "e", "five");
        return job.yaml(job.yaml() + "notify: { webhook: \"" + url + "\""
                + (timeout == null ? "" : ", timeout: " + timeout) + " }\n");
    }

    private long images() {
        return jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
    }

    @Test
    void aRunThatStopsSendsItsSummaryAndTheRestartCommand() throws Exception {
        TestJob job = stoppingJob(startWebhook(), null);

        TestJob.Result result = job.run("run", "--run-id", "night-7");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
        assertThat(received).hasSize(1);
        Received notice = received.get(0);
        assertThat(notice.method()).isEqualTo("POST");
        assertThat(notice.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(notice.body());
        long execution = jdbc.queryForObject("SELECT max(job_execution_id) FROM batch_job_execution", Long.class);
        String restart = "imagegen run " + job.dir().resolve("job.yml") + " --run-id night-7";
        assertThat(body.path("text").asString())
                .startsWith("imagegen: dataset test, run night-7 (execution " + execution + "): STOPPED (exit 3)")
                .contains("why: run.max-images reached (2 images)")
                .contains("images 2, skipped 0")
                .endsWith("\nfirst: raise run.max-images to let it go on by the difference\nrestart: " + restart);
        JsonNode run = body.path("imagegen");
        assertThat(run.path("exit_code").asInt()).isEqualTo(3);
        assertThat(run.path("status").asString()).isEqualTo("STOPPED");
        assertThat(run.path("images").asLong()).isEqualTo(2).isEqualTo(images());
        assertThat(run.path("restart_command").asString()).isEqualTo(restart);
        assertThat(run.path("before_restart").asString())
                .isEqualTo("raise run.max-images to let it go on by the difference");

        // The command works: the same run id continues the run (a higher max-images lets it finish).
        job.yaml(job.yaml().replace("max-images: 2", "max-images: 100"));
        TestJob.Result restarted = job.run("run", "--run-id", "night-7");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(images()).isEqualTo(5);
        assertThat(received).as("a completed run sends nothing").hasSize(1);
    }

    @Test
    void aCompletedRunSendsNothing() throws Exception {
        TestJob job = stoppingJob(startWebhook(), null);
        job.yaml(job.yaml().replace("max-images: 2", "max-images: 100"));

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(received).isEmpty();
    }

    @Test
    void aWebhookThatRefusesIsDownOrNeverAnswersLeavesTheOutcomeAlone() throws Exception {
        String url = startWebhook();
        int closed;
        try (ServerSocket probe = new ServerSocket(0)) {
            closed = probe.getLocalPort();
        }
        status = 503;
        TestJob refused = stoppingJob(url, null);
        assertThat(refused.run("run", "--run-id", "refused").exitCode()).isEqualTo(3);
        assertThat(received).hasSize(1);
        assertThat(images()).isEqualTo(2);

        TestJob down = stoppingJob("http://127.0.0.1:" + closed + "/hook", "500ms");
        down.yaml(down.yaml().replace("dataset: test", "dataset: down").replace("dir: out", "dir: out-down"));
        TestJob.Result downResult = down.run("run", "--run-id", "down");
        assertThat(downResult.exitCode()).as(downResult.toString()).isEqualTo(3);

        silent = true;
        TestJob slow = stoppingJob(url, "500ms");
        slow.yaml(slow.yaml().replace("dataset: test", "dataset: slow").replace("dir: out", "dir: out-slow"));
        TestJob.Result slowResult = slow.run("run", "--run-id", "slow");
        assertThat(slowResult.exitCode()).as(slowResult.toString()).isEqualTo(3);
        assertThat(received).hasSize(2); // it was sent; nobody waited for the answer
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE dataset = 'slow'", Long.class))
                .isEqualTo(2);
        // The webhook's URL is its secret: never in what the command printed.
        for (TestJob.Result r : List.of(downResult, slowResult)) {
            assertThat(r.stdout() + r.stderr()).doesNotContain("secret-token").doesNotContain("/hook");
        }
        assertThat(slowResult.stderr()).contains("notify: the webhook at http://127.0.0.1:");
    }
}
