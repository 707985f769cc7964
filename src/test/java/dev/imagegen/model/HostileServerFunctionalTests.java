package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Servers that answer in ways meant to hurt: a redirect that would carry the key to another host, a body that
 * trickles in one byte at a time. Every client (OpenRouter chat, OpenRouter's Image API, OpenAI, the check's GETs)
 * refuses the first and bounds the second by {@code model.timeout}.
 */
class HostileServerFunctionalTests extends FunctionalTest {

    /** The three wire formats. */
    enum Provider {
        CHAT("openrouter", "openai/gpt-5.4-image-2", "/chat/completions"),
        IMAGES("openrouter-images", "openai/gpt-5.4-image-2", "/images"),
        OPENAI("openai", "gpt-image-2", "/images/generations");

        final String id;
        final String model;
        final String path;

        Provider(String id, String model, String path) {
            this.id = id;
            this.model = model;
            this.path = path;
        }
    }

    /** A 200 that is no success on any of the three APIs: what a trickled body would have become without a bound. */
    private static final String NOT_AN_IMAGE = "{\"data\":[],\"error\":{\"code\":400,\"message\":\"slow\"}}";

    /** OpenAI's Images API; OpenRouter's two APIs are the {@link #server}'s. */
    private FakeOpenAI openAi;
    /** The host a redirect points to: it must never see a request (nor the key). */
    private FakeOpenRouter elsewhere;

    @BeforeEach
    void startOtherServers() {
        openAi = closeAfterTest(new FakeOpenAI());
        elsewhere = closeAfterTest(new FakeOpenRouter());
    }

    private TestJob job(Provider p, String timeout) throws Exception {
        Path jobDir = Files.createDirectories(dir.resolve(p.name().toLowerCase()));
        return new TestJob(jobDir, db, """
                dataset: %s
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                model:
                  provider: %s
                  name: %s
                  base-url: %s
                  api-key: sk-secret-key-123
                  seed: 7
                  timeout: %s
                  pricing: { input-per-million: 5, output-per-million: 40 }
                run:
                  concurrency: 2
                  chunk-size: 2
                  retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 20ms }
                output: { dir: out }
                """.formatted(
                                p.name().toLowerCase(),
                                p.id,
                                p.model,
                                p == Provider.OPENAI ? openAi.baseUrl() : server.baseUrl(),
                                timeout))
                .prompts("a", "a red fox", "b", "a blue whale");
    }

    /** Answers with {@code byPrompt("<prompt>#<attempt>")}, or as usual where that gives null. */
    private void behave(Provider p, java.util.function.Function<String, Reply> byPrompt) {
        if (p == Provider.OPENAI) {
            openAi.behaviour(call -> {
                Reply r = byPrompt.apply(call.prompt() + "#" + call.attempt());
                return r != null ? r : openAi.markers(call);
            });
        } else {
            server.behaviour(call -> {
                Reply r = byPrompt.apply(call.prompt() + "#" + call.attempt());
                return r != null ? r : server.markers(call);
            });
        }
    }

    private long count(String sql, Object... args) {
        Long n = jdbc.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void aRedirectIsNeverFollowedAndStopsTheRunNamingTheBaseUrl(Provider p) throws Exception {
        String target = elsewhere.baseUrl() + p.path;
        behave(p, promptAndAttempt -> Reply.redirect(307, target));
        TestJob job = job(p, "10s");

        TestJob.Result result = job.run("run", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
        assertThat(result.stdout() + result.stderr())
                .contains("model.base-url")
                .contains("HTTP 307")
                .doesNotContain("sk-secret-key-123");
        // Nothing reached the other host: not the request, not the key.
        assertThat(elsewhere.received()).isEmpty();
        assertThat(elsewhere.metadataRequests()).isEmpty();
        // A configuration stop skips nothing: both prompts stay pending for the restart.
        assertThat(count("SELECT count(*) FROM prompt_failure")).isZero();
        assertThat(count("SELECT count(*) FROM generated_image")).isZero();
        String status = jdbc.queryForObject(
                "SELECT status FROM batch_job_execution ORDER BY job_execution_id DESC " + "LIMIT 1", String.class);
        assertThat(status).isEqualTo("STOPPED");
    }

    @Test
    void theChecksGetsDoNotFollowARedirectEither() throws Exception {
        server.metadataReplies((path, r) -> Reply.redirect(302, elsewhere.baseUrl() + "/key"));
        TestJob job = job(Provider.CHAT, "10s");

        TestJob.Result result = job.run("check");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout() + result.stderr()).contains("model.base-url").contains("HTTP 302");
        assertThat(elsewhere.metadataRequests()).isEmpty();
    }

    @Test
    void anHttpBaseUrlOnTheNetworkIsRefusedBeforeAnythingStarts() throws Exception {
        TestJob job = job(Provider.CHAT, "10s");
        job.yaml(job.yaml().replace(server.baseUrl(), "http://api.example.org/v1"));

        TestJob.Result refused = job.run("run", "--dry-run");

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.stderr()).contains("model.base-url").contains("model.allow-insecure-http");

        TestJob.Result allowed = job.run("run", "--dry-run", "--set", "model.allow-insecure-http=true");
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    }

    /**
     * The first answer to one prompt sends its headers and then a byte every 150 ms (7 s in all); model.timeout is
     * 3 s. Unbounded, the call would wait for the whole body and record it as a failed row; bounded, it is a
     * transient failure, retried, and the second attempt draws the image.
     */
    @ParameterizedTest
    @EnumSource(Provider.class)
    void aTrickledBodyIsATimeoutThatIsRetried(Provider p) throws Exception {
        behave(
                p,
                promptAndAttempt -> promptAndAttempt.equals("a red fox#1")
                        ? Reply.json(200, NOT_AN_IMAGE)
                                .trickled(150)
                                .offContract("never a success: its body is cut off at model.timeout anyway")
                        : null);
        TestJob job = job(p, "3s");

        TestJob.Result result = job.run("run", "--run-id", "r1", "--skip-check");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(count("SELECT count(*) FROM prompt_failure")).isZero();
        Map<String, Object> fox = jdbc.queryForMap("SELECT attempts FROM generated_image WHERE prompt_id = 'a'");
        assertThat(fox.get("attempts")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(2);
        if (p != Provider.OPENAI) {
            // The abandoned answer was never complete, so never billed: one generation per prompt.
            assertThat(server.billedGenerations().values()).containsOnly(1);
        }
    }

    @Test
    void aBodyThatNeverCompletesEndsAsATransientFailureNamingTheTimeout() throws Exception {
        behave(
                Provider.CHAT,
                promptAndAttempt -> promptAndAttempt.startsWith("a red fox")
                        ? Reply.json(200, NOT_AN_IMAGE)
                                .trickled(150)
                                .offContract("never a success: its body is cut off at model.timeout anyway")
                        : null);
        TestJob job = job(Provider.CHAT, "2s");

        TestJob.Result result = job.run("run", "--run-id", "r1", "--skip-check");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<Map<String, Object>> failures =
                jdbc.queryForList("SELECT prompt_id, kind, http_status, message, " + "attempts FROM prompt_failure");
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0))
                .containsEntry("prompt_id", "a")
                .containsEntry("kind", "transient")
                .containsEntry("http_status", 200)
                .containsEntry("attempts", 2);
        assertThat((String) failures.get(0).get("message")).contains("not complete within 2s (model.timeout)");
        assertThat(count("SELECT count(*) FROM generated_image WHERE prompt_id = 'b'"))
                .isEqualTo(1);
    }

    @Test
    void theChecksGetsAreBoundedByTheTimeoutToo() throws Exception {
        server.metadataReplies((path, r) -> path.endsWith("/key") ? r.trickled(100) : r);
        TestJob job = job(Provider.CHAT, "2s");

        TestJob.Result result = job.run("check");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout() + result.stderr()).contains("not complete within 2s (model.timeout)");
    }

    @Test
    void anImageDeclaring100000By100000PixelsIsAnInvalidImageAndNeverStored() throws Exception {
        String huge = "data:image/png;base64,"
                + java.util.Base64.getEncoder()
                        .encodeToString(dev.imagegen.testing.TestPng.declaring(100_000, 100_000));
        server.behaviour(call ->
                call.prompt().equals("a red fox") ? server.successWith(call, huge, 0.04) : server.markers(call));
        TestJob job = job(Provider.CHAT, "10s");

        TestJob.Result result = job.run("run", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        Map<String, Object> failure =
                jdbc.queryForMap("SELECT prompt_id, kind, message, cost_usd FROM " + "prompt_failure");
        assertThat(failure).containsEntry("prompt_id", "a").containsEntry("kind", "invalid_image");
        assertThat((String) failure.get("message")).contains("100000x100000").contains("16384");
        // Paid for, so on the books, though not stored.
        assertThat(((Number) failure.get("cost_usd")).doubleValue()).isEqualTo(0.04);
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image", String.class))
                .containsExactly("b");
    }
}
