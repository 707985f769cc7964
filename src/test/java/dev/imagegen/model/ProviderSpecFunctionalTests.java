package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import dev.imagegen.testing.TestPng;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole runs against the fakes where what the providers publish decides the outcome: which 403s skip a row and which
 * stop the run, what a moderation refusal leaves in {@code prompt_failure}, running out of tokens, and OpenAI's cost
 * per token type against what OpenAI bills.
 */
class ProviderSpecFunctionalTests extends FunctionalTest {

    @Test
    void aModerationRefusalKeepsTheFlaggedInputAndTheModelInItsFailureRow() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("ok", "a fox", "bad", "a [moderation] scene");

        TestJob.Result r = job.run("run", "--skip-check");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT kind, http_status, flagged_input, model_slug " + "FROM prompt_failure WHERE prompt_id = 'bad'");
        assertThat(row)
                .containsEntry("kind", "moderation")
                .containsEntry("http_status", 403)
                .containsEntry("flagged_input", "...")
                .containsEntry("model_slug", "openai/gpt-5.4-image-2");
    }

    @Test
    void aGuardrailBlockStopsTheRunInsteadOfSkippingEveryRow() throws Exception {
        server.behaviour(
                c -> c.prompt().contains("[guardrail]") ? FakeOpenRouter.Reply.json(403, """
                {"error":{"code":403,"message":"Request blocked: prompt injection patterns detected",\
                "metadata":{"patterns":["ignore all previous instructions"]}}}""") : server.markers(c));
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1")
                .prompts("a", "[guardrail] one", "b", "[guardrail] two", "c", "[guardrail] three");

        TestJob.Result r = job.run("run", "--skip-check");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout() + r.stderr()).contains("guardrails");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Long.class))
                .isZero();
    }

    @Test
    void anAnswerCutOffByMaxTokensStopsTheRunNamingTheKey() throws Exception {
        server.behaviour(c -> FakeOpenRouter.Reply.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"system_fingerprint":null,"model":"m",\
                "choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"First, the \
                composition..."}}],"usage":{"prompt_tokens":12,"completion_tokens":64,"total_tokens":76,\
                "cost":0.001}}"""));
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1").prompts("a", "a fox", "b", "a cat");
        job.yaml(job.yaml().replace("  seed: 7", "  seed: 7\n  max-tokens: 64"));

        TestJob.Result r = job.run("run", "--skip-check");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout() + r.stderr()).contains("model.max-tokens (64");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure WHERE kind = 'no_image'", Long.class))
                .isZero();
    }

    @Test
    void openAiCostsAreEachTokenTypeAtItsPriceAndMatchTheBillToTheCent() throws Exception {
        try (FakeOpenAI openAi = new FakeOpenAI()) {
            Files.createDirectories(dir.resolve("refs"));
            Files.write(dir.resolve("refs/cat.png"), TestPng.of(800, "cat"));
            TestJob job = new TestJob(dir, db, """
                    dataset: priced
                    source: { csv: prompts.csv, id-column: id, prompt-column: prompt, reference-column: refs }
                    model:
                      provider: openai
                      name: gpt-image-2
                      base-url: %s
                      api-key: k
                      images-per-prompt: 2
                    run: { concurrency: 2, retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 20ms } }
                    output: { dir: out }
                    """.formatted(openAi.baseUrl()));
            job.file("prompts.csv", "id,prompt,refs\na,a red fox,\nb,this cat in blue,refs/cat.png\nc,a whale,\n");

            TestJob.Result r = job.run("run");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            java.math.BigDecimal recorded = dev.imagegen.testing.Money.recorded(jdbc);
            assertThat(openAi.billedUsd()).isPositive();
            // The ledger (every attempt) is OpenAI's bill to the cent; the image rows hold the same per image.
            assertThat(dev.imagegen.testing.Money.cents(recorded))
                    .isEqualByComparingTo(
                            dev.imagegen.testing.Money.cents(java.math.BigDecimal.valueOf(openAi.billedUsd())));
            assertThat(jdbc.queryForObject("SELECT sum(cost_usd) FROM generated_image", Double.class))
                    .isCloseTo(openAi.billedUsd(), within(0.005));
            List<String> paths = openAi.received().stream()
                    .map(FakeOpenAI.Call::path)
                    .distinct()
                    .sorted()
                    .toList();
            assertThat(paths).containsExactly("/v1/images/edits", "/v1/images/generations");
        }
    }
}
