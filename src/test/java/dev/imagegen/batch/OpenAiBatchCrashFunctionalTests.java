package dev.imagegen.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.testing.FakeOpenAiBatch;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.PromptFiles;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of an openai-batch run at its three dangerous moments — after a batch was created but before its
 * id was stored, while waiting, half-way through collecting — and the restart that follows: it never creates a
 * second batch for the same requests and never stores an image twice.
 */
class OpenAiBatchCrashFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    /** Two chunks and a half: the kill half-way through collect comes after the first chunk's commit. */
    private static final int PROMPTS = BatchStepsConfiguration.COLLECT_CHUNK + 24;

    private FakeOpenAiBatch openAi;

    @BeforeEach
    void startBatchServer() throws Exception {
        openAi = closeAfterTest(new FakeOpenAiBatch());
        PromptFiles.numbered(dir.resolve("prompts.csv"), PROMPTS, "a picture of thing number");
        Files.writeString(
                dir.resolve("job.yml"),
                OpenAiBatchFunctionalTests.yaml(openAi.baseUrl(), "{ csv: prompts.csv, id-column: id }", null)
                        .replace("max-requests: 3", "max-requests: 100"));
    }

    private int count(String sql) {
        Integer n = jdbc.queryForObject(sql, Integer.class);
        return n == null ? 0 : n;
    }

    private ImagegenProcess child() throws Exception {
        return imagegen().start("run", dir.resolve("job.yml").toString(), "--run-id", "r1");
    }

    private void killWhen(Callable<Boolean> moment) throws Exception {
        ImagegenProcess p = child();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(5))
                .ignoreExceptions()
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("the run ended before it was killed:\n"
                                + imagegen().output());
                    }
                    return moment.call();
                });
        p.kill();
    }

    private void restartCompletes() throws Exception {
        ImagegenProcess last = child();
        assertThat(last.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(imagegen().output()).isZero();
        assertThat(openAi.creates())
                .as("one batch for all the requests, never a second")
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(PROMPTS);
        assertThat(openAi.billedRequests())
                .hasSize(PROMPTS)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(count("SELECT count(*) FROM model_call WHERE outcome = 'ok'"))
                .as("one ledger row per collected image: none recorded twice")
                .isEqualTo(PROMPTS);
        double recorded = jdbc.queryForObject("SELECT sum(cost_usd) FROM model_call", Double.class);
        assertThat(recorded).isCloseTo(openAi.billedUsd(), org.assertj.core.api.Assertions.within(0.005));
    }

    @Test
    void killedAfterTheBatchWasCreatedButBeforeItsIdWasStoredTheRestartAdoptsIt() throws Exception {
        openAi.holdCreateReplies();

        killWhen(() -> openAi.creates() == 1);
        openAi.release();
        assertThat(count("SELECT count(*) FROM openai_batch WHERE batch_id IS NULL AND input_file_id IS NOT NULL"))
                .as("the intent and the uploaded file were stored, the batch id not")
                .isEqualTo(1);

        restartCompletes();
        assertThat(jdbc.queryForObject("SELECT batch_id FROM openai_batch", String.class))
                .isEqualTo(openAi.batches().get(0).id());
    }

    @Test
    void killedWhileWaitingTheRestartPollsTheSameBatch() throws Exception {
        openAi.pollsUntilDone(1_000_000);

        killWhen(() -> !openAi.batches().isEmpty() && openAi.batches().get(0).polls() >= 3);
        openAi.pollsUntilDone(openAi.batches().get(0).polls() + 2);

        restartCompletes();
    }

    @Test
    void killedHalfWayThroughCollectingTheRestartStoresOnlyWhatIsMissing() throws Exception {
        openAi.stallContentAfter(BatchStepsConfiguration.COLLECT_CHUNK + 9);

        killWhen(() -> count("SELECT count(*) FROM generated_image") >= BatchStepsConfiguration.COLLECT_CHUNK);
        openAi.release();
        List<String> before = jdbc.queryForList(
                "SELECT prompt_id || ':' || job_execution_id || ':' || sha256 " + "FROM generated_image ORDER BY 1",
                String.class);
        assertThat(before).hasSizeLessThan(PROMPTS);

        restartCompletes();
        assertThat(jdbc.queryForList(
                        "SELECT prompt_id || ':' || job_execution_id || ':' || sha256 "
                                + "FROM generated_image ORDER BY 1",
                        String.class))
                .as("the rows stored before the kill are untouched: not stored again")
                .containsAll(before);
        assertThat(openAi.downloads())
                .as("the restart read the output file again")
                .isEqualTo(2);
    }
}
