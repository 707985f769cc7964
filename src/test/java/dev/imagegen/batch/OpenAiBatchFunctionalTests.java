package dev.imagegen.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.imagegen.testing.FakeOpenAiBatch;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import dev.imagegen.testing.TestPng;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code model.provider: openai-batch} end to end against {@link FakeOpenAiBatch}: submit, wait and collect store
 * images and failures like any provider; an expired batch's half is collected and the rest submitted by the next run;
 * reference images go through edits; {@code --no-wait}, {@code status}, {@code cancel} and {@code check}.
 */
class OpenAiBatchFunctionalTests extends FunctionalTest {

    private FakeOpenAiBatch openAi;

    @BeforeEach
    void startBatchServer() {
        openAi = closeAfterTest(new FakeOpenAiBatch());
    }

    static String yaml(String baseUrl, String source, String extraModel) {
        return """
                dataset: batched
                source: %s
                model:
                  provider: openai-batch
                  name: gpt-image-2
                  base-url: %s
                  api-key: test-key-123
                  timeout: 20s
                  batch: { max-requests: 3, poll-interval: 5ms, max-poll-interval: 20ms }
                %s
                run:
                  chunk-size: 4
                  retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms }
                output: { dir: out }
                """.formatted(source, baseUrl, extraModel == null ? "" : extraModel.indent(2));
    }

    private TestJob job() {
        return new TestJob(
                dir, db, yaml(openAi.baseUrl(), "{ csv: prompts.csv, id-column: id, prompt-column: prompt }", null));
    }

    private int count(String sql) {
        Integer n = jdbc.queryForObject(sql, Integer.class);
        return n == null ? 0 : n;
    }

    /** The ledger's total; the image and failure rows carry the same money. */
    private double recordedCost() {
        double ledger = jdbc.queryForObject("SELECT coalesce(sum(cost_usd), 0) FROM model_call", Double.class);
        double rows = jdbc.queryForObject(
                        "SELECT coalesce(sum(cost_usd), 0) FROM generated_image WHERE NOT adopted", Double.class)
                + jdbc.queryForObject("SELECT coalesce(sum(cost_usd), 0) FROM prompt_failure", Double.class);
        assertThat(ledger).isCloseTo(rows, within(0.000001));
        return ledger;
    }

    @Test
    void aWholeRunSubmitsWaitsAndCollectsLikeAnyProviderAndTheNextRunSubmitsNothing() throws Exception {
        TestJob job = job().prompts(
                        "a",
                        "a red fox",
                        "b",
                        "a blue whale",
                        "c",
                        "a green frog",
                        "d",
                        "a grey wolf",
                        "e",
                        "a violent scene [moderation]",
                        "f",
                        "a yellow bird",
                        "g",
                        "a black cat");

        TestJob.Result r = job.run("run", "--run-id", "r1");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(openAi.creates()).as("7 requests, at most 3 per batch").isEqualTo(3);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(6);
        assertThat(jdbc.queryForList(
                        "SELECT prompt_id || ':' || kind || ':' || http_status FROM prompt_failure", String.class))
                .containsExactly("e:moderation:400");
        assertThat(jdbc.queryForList("SELECT file_path FROM generated_image", String.class))
                .allSatisfy(p -> assertThat(job.output().resolve(p)).isRegularFile());
        assertThat(count("SELECT count(*) FROM openai_batch WHERE collected_at IS NULL"))
                .isZero();
        assertThat(count("SELECT count(*) FROM openai_batch_request WHERE NOT collected"))
                .isZero();
        // Money: what was recorded is the fake's bill at batch prices, to the cent; each request billed once.
        assertThat(recordedCost()).isCloseTo(openAi.billedUsd(), within(0.005));
        assertThat(openAi.billedUsd()).isGreaterThan(0);
        assertThat(openAi.billedRequests())
                .hasSize(6)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        // The batches carry what adoption needs, and each asked for the images API's own request.
        assertThat(openAi.batches()).allSatisfy(b -> {
            assertThat(b.metadata())
                    .containsKeys("imagegen_dataset", "imagegen_run", "imagegen_part", "imagegen_intent");
            assertThat(b.endpoint()).isEqualTo("/v1/images/generations");
        });

        TestJob.Result status = job.run("status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.stdout())
                .contains("OpenAI batches", openAi.batches().get(0).id(), "collected");

        TestJob.Result again = job.run("run", "--run-id", "r2");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        // A new run tries earlier failures again, as with every provider; nothing else is sent.
        assertThat(openAi.creates()).isEqualTo(4);
        assertThat(openAi.batches().get(3).requests())
                .singleElement()
                .satisfies(q -> assertThat(q.prompt()).contains("[moderation]"));
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(6);
    }

    @Test
    void anExpiredBatchIsCollectedAsFarAsItRanAndTheNextRunSubmitsOnlyTheRest() throws Exception {
        TestJob job = job().prompts("a", "one", "b", "two", "c", "three", "d", "four", "e", "five", "f", "six");
        openAi.expireAfterHalf(true);

        TestJob.Result first = job.run("run", "--run-id", "r1");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(openAi.batches())
                .hasSize(2)
                .allSatisfy(b -> assertThat(b.status()).isEqualTo("expired"));
        assertThat(count("SELECT count(*) FROM generated_image"))
                .as("half of each batch of 3 ran")
                .isEqualTo(2);
        assertThat(count("SELECT count(*) FROM prompt_failure"))
                .as("not run is not a failure")
                .isZero();

        openAi.expireAfterHalf(false);
        TestJob.Result second = job.run("run", "--run-id", "r2");

        assertThat(second.exitCode()).as(second.toString()).isZero();
        List<FakeOpenAiBatch.Batch> batches = openAi.batches();
        assertThat(batches.subList(2, batches.size()).stream()
                        .mapToInt(b -> b.requests().size())
                        .sum())
                .as("only what did not run")
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(6);
        assertThat(openAi.billedRequests())
                .hasSize(6)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(recordedCost()).isCloseTo(openAi.billedUsd(), within(0.005));
    }

    @Test
    void referenceImagesGoThroughEditsInTheirOwnBatch() throws Exception {
        Files.createDirectories(dir.resolve("refs"));
        Files.write(dir.resolve("refs/cat.png"), TestPng.build(16, 16, "cat", new Random(1)));
        Files.writeString(dir.resolve("prompts.csv"), """
                id,prompt,refs
                one,a watercolor of this cat,refs/cat.png
                plain,no reference at all,
                """);
        TestJob job = new TestJob(
                dir,
                db,
                yaml(
                        openAi.baseUrl(),
                        "{ csv: prompts.csv, id-column: id, prompt-column: prompt, reference-column: refs }",
                        null));

        TestJob.Result r = job.run("run", "--run-id", "r1");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(openAi.batches())
                .extracting(FakeOpenAiBatch.Batch::endpoint)
                .containsExactlyInAnyOrder("/v1/images/generations", "/v1/images/edits");
        FakeOpenAiBatch.Batch edits = openAi.batches().stream()
                .filter(b -> b.endpoint().endsWith("edits"))
                .findFirst()
                .orElseThrow();
        assertThat(edits.requests())
                .singleElement()
                .satisfies(q -> assertThat(q.references()).isEqualTo(1));
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image ORDER BY 1", String.class))
                .containsExactly("one", "plain");
        assertThat(recordedCost()).isCloseTo(openAi.billedUsd(), within(0.005));
    }

    @Test
    void noWaitSubmitsAndExitsFiveStatusShowsTheBatchCancelStopsItAndTheRestartCollectsWhatItMade() throws Exception {
        TestJob job = job().prompts("a", "one", "b", "two", "c", "three", "d", "four");
        openAi.pollsUntilDone(1_000_000);

        TestJob.Result submitted = job.run("run", "--run-id", "r1", "--no-wait");

        assertThat(submitted.exitCode()).as(submitted.toString()).isEqualTo(5);
        assertThat(openAi.creates()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM generated_image")).isZero();
        TestJob.Result status = job.run("status");
        assertThat(status.stdout()).contains(openAi.batches().get(0).id(), "in_progress", "waiting");

        TestJob.Result cancelled = job.run("cancel");
        assertThat(cancelled.exitCode()).as(cancelled.toString()).isZero();
        assertThat(openAi.batches()).allSatisfy(b -> assertThat(b.status()).isEqualTo("cancelling"));

        TestJob.Result collected = job.run("run", "--run-id", "r1");
        assertThat(collected.exitCode()).as(collected.toString()).isZero();
        assertThat(openAi.batches()).allSatisfy(b -> assertThat(b.status()).isEqualTo("cancelled"));
        assertThat(openAi.creates())
                .as("the restart submits nothing while its batches ran")
                .isEqualTo(2);
        // Half of each batch (3 and 1 requests) ran before the cancel: 1 + 0.
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(1);
        assertThat(recordedCost()).isCloseTo(openAi.billedUsd(), within(0.005));

        openAi.pollsUntilDone(2);
        TestJob.Result rest = job.run("run", "--run-id", "r2");
        assertThat(rest.exitCode()).as(rest.toString()).isZero();
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(4);
        assertThat(openAi.billedRequests())
                .hasSize(4)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    @Test
    void aBudgetIsReservedBeforeSubmittingSoItIsNeverPassed() throws Exception {
        // gpt-image-2 at batch prices, high quality: the estimate is about $0.094 a request, the bill $0.0625.
        TestJob job = new TestJob(
                        dir, db, job().yaml().replace("  chunk-size: 4", "  chunk-size: 4\n  max-cost-usd: 0.3"))
                .prompts("a", "one", "b", "two", "c", "three", "d", "four", "e", "five");

        TestJob.Result r = job.run("run", "--run-id", "r1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).contains("budget reached");
        int submitted =
                openAi.batches().stream().mapToInt(b -> b.requests().size()).sum();
        assertThat(submitted).isEqualTo(3);
        assertThat(openAi.billedUsd()).isLessThanOrEqualTo(0.3);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(3);
    }

    @Test
    void checkVerifiesTheKeyTheBatchApiAndAGptImageModel() throws Exception {
        TestJob job = job().prompts("a", "one");
        TestJob.Result ok = job.run("check");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("the key may use the Batch API");
        assertThat(openAi.uploads()).isZero();

        TestJob.Result dalle = job.yaml(job.yaml().replace("name: gpt-image-2", "name: dall-e-3"))
                .run("check");
        assertThat(dalle.exitCode()).as(dalle.toString()).isEqualTo(2);
    }
}
