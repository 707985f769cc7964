package dev.imagegen.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.Money;
import dev.imagegen.testing.TestJob;
import dev.imagegen.testing.TestPng;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The money rows of issue 11, each against a fake that bills like OpenRouter: what the job records (the ledger) and
 * shows (the summary) equals the fake's bill, to the cent, and the limits hold on that figure.
 */
class MoneyFunctionalTests extends FunctionalTest {

    private static String[] numbered(int n, String prefix) {
        String[] rows = new String[n * 2];
        for (int i = 0; i < n; i++) {
            rows[2 * i] = "p" + i;
            rows[2 * i + 1] = prefix + " prompt number " + i;
        }
        return rows;
    }

    private int images() {
        return jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class);
    }

    /** Row 1: a 200 with finish_reason "error" and usage.cost is billed; the budget sees it. */
    @Test
    void billedErrorsInA200AreRecordedAndTheBudgetStopsTheRunOnThem() throws Exception {
        server.behaviour(c -> c.attempt() == 1 ? FakeOpenRouter.billedError(0.5) : server.success(c));
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 1\nconcurrency: 1\nchunk-size: 1")
                .prompts(numbered(10, "billed-error"));

        TestJob.Result r = job.run("run", "--run-id", "e1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).contains("budget reached");
        // $0.50 + $0.04 for the first prompt; the second's billed error passes the budget: no retry is sent.
        assertThat(server.bill()).isEqualByComparingTo("1.04");
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(Money.cents(Money.shown(r.stdout()))).isEqualByComparingTo(Money.cents(server.bill()));
        assertThat(images()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();
        assertThat(jdbc.queryForList(
                        "SELECT outcome || ':' || cost_usd::text || ':' || retried FROM model_call " + "ORDER BY id",
                        String.class))
                .containsExactly("transient:0.50000000:true", "ok:0.04000000:false", "transient:0.50000000:false");
    }

    /** Row 2: every execution of a run shares its budget; a higher limit lets it go on by the difference. */
    @Test
    void aBudgetBelongsToTheRunAcrossRestarts() throws Exception {
        server.costPerImage(0.10);
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 0.4\nconcurrency: 1\nchunk-size: 1")
                .prompts(numbered(12, "budget"));

        TestJob.Result first = job.run("run", "--run-id", "b1");
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(3);
        assertThat(server.bill()).isEqualByComparingTo("0.40");

        for (int i = 0; i < 2; i++) {
            TestJob.Result again = job.run("restart");
            assertThat(again.exitCode()).as(again.toString()).isEqualTo(3);
            TestJob.Result sameId = job.run("run", "--run-id", "b1");
            assertThat(sameId.exitCode()).as(sameId.toString()).isEqualTo(3);
        }
        assertThat(server.bill())
                .as("restarts spend nothing beyond the run's budget")
                .isEqualByComparingTo("0.40");
        Money.assertRecordedIsTheBill(jdbc, server);

        TestJob.Result raised = job.run("restart", "--set", "run.max-cost-usd=0.6");
        assertThat(raised.exitCode()).as(raised.toString()).isEqualTo(3);
        assertThat(server.bill()).as("a higher limit: on by the difference").isEqualByComparingTo("0.60");
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(images()).isEqualTo(6);
    }

    /** Row 3: BYOK: OpenRouter's fee and the provider's upstream charge are both paid. */
    @Test
    void aByokKeyCountsTheFeeAndTheUpstreamCost() throws Exception {
        server.behaviour(c -> server.byokSuccess(c, 0.04, 0.80));
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts(numbered(3, "byok"));

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(server.bill()).isEqualByComparingTo("2.52");
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(Money.cents(Money.shown(r.stdout()))).isEqualByComparingTo("2.52");
        assertThat(jdbc.queryForObject("SELECT sum(cost_usd) FROM generated_image", BigDecimal.class))
                .isEqualByComparingTo("2.52");
    }

    /** Row 4: one truncated image of four: the three valid ones are stored, one failure for the bad one. */
    @Test
    void aMultiImageAnswerKeepsEveryValidImage() throws Exception {
        server.behaviour(c -> server.imagesSuccessWithOneBad(c, c.n(), 2));
        TestJob job =
                imagesJob("images-per-prompt: 4\n  images-per-call: 4", null).prompts("a", "four foxes");

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(images()).isEqualTo(3);
        assertThat(jdbc.queryForList("SELECT kind FROM prompt_failure", String.class))
                .containsExactly("invalid_image");
        assertThat(server.calls()).isEqualTo(1);
        Money.assertRecordedIsTheBill(jdbc, server);
        BigDecimal rows = jdbc.queryForObject(
                "SELECT (SELECT sum(cost_usd) FROM generated_image) "
                        + "+ (SELECT coalesce(sum(cost_usd), 0) FROM prompt_failure)",
                BigDecimal.class);
        assertThat(Money.cents(rows))
                .as("image and failure rows add up to the call")
                .isEqualByComparingTo(Money.cents(server.bill()));
    }

    /** Row 4 on OpenAI's Images API: n images, the last truncated; its bill (tokens at list prices) to the cent. */
    @Test
    void openAisMultiImageAnswerKeepsEveryValidImageAndMatchesItsBill() throws Exception {
        try (dev.imagegen.testing.FakeOpenAI openAi = new dev.imagegen.testing.FakeOpenAI()) {
            TestJob job = new TestJob(dir, db, """
                    dataset: openai
                    source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                    model:
                      provider: openai
                      name: gpt-image-2
                      base-url: %s
                      api-key: k
                      images-per-prompt: 3
                      images-per-call: 3
                    run: { concurrency: 2, retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 20ms } }
                    output: { dir: out }
                    """.formatted(openAi.baseUrl()))
                    .prompts("a", "[one-corrupt] three owls", "b", "a whale");

            TestJob.Result r = job.run("run");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(images()).isEqualTo(5);
            assertThat(jdbc.queryForList(
                            "SELECT prompt_id || ':' || variant || ':' || kind FROM prompt_failure", String.class))
                    .containsExactly("a:2:invalid_image");
            assertThat(Money.cents(Money.recorded(jdbc))).isEqualByComparingTo(Money.cents(openAi.bill()));
            assertThat(Money.cents(Money.shown(r.stdout()))).isEqualByComparingTo(Money.cents(openAi.bill()));
        }
    }

    /** Row 5: max-images 10 with n = 4: never more than 10 images asked for, written or paid. */
    @Test
    void maxImagesReservesWhatACallMayReturnBeforeSendingIt() throws Exception {
        TestJob job = imagesJob("images-per-prompt: 4\n  images-per-call: 4", "max-images: 10\nconcurrency: 1")
                .prompts(numbered(5, "many"));

        TestJob.Result r = job.run("run", "--run-id", "m1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(images()).isEqualTo(10);
        assertThat(server.billedTotal()).as("images paid for").isEqualTo(10);
        assertThat(server.received()).extracting(FakeOpenRouter.Call::n).containsExactly(4, 4, 2);
        Money.assertRecordedIsTheBill(jdbc, server);
    }

    /** Row 6: a valid PNG labelled data:image/jpeg is stored, with its real type. */
    @Test
    void aValidImageUnderAWrongLabelIsStoredWithItsRealType() throws Exception {
        server.behaviour(c -> server.successWith(
                c, "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(TestPng.of(2048, c.prompt())), 0.04));
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "mislabelled");

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT media_type FROM generated_image", String.class))
                .containsExactly("image/png");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();
        Money.assertRecordedIsTheBill(jdbc, server);
    }

    /**
     * Row 7: the provider finishes (and bills) a call after the client gave up on it: the attempt counts at an
     * estimate (here the dataset's mean, which is the real price), marked possibly billed, against the budget too.
     */
    @Test
    void aTimedOutCallIsCountedAsPossiblyBilled() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1").prompts(numbered(4, "history"));
        assertThat(job.run("run").exitCode()).isZero(); // the dataset's history: $0.04 per image

        job.prompts("slow", "a slow one", "fast", "a fast one");
        server.behaviour(c -> c.prompt().contains("slow") && c.attempt() == 1
                ? server.success(c).withDelay(1_500)
                : server.success(c));
        job.yaml(job.yaml().replace("timeout: 10s", "timeout: 500ms"));
        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        awaitServerIdle();
        assertThat(server.billedAnswers()).isEqualTo(4 + 3);
        assertThat(jdbc.queryForList(
                        "SELECT cost_basis FROM model_call WHERE prompt_id = 'slow' ORDER BY attempt", String.class))
                .containsExactly("possibly_billed", "known");
        assertThat(jdbc.queryForObject(
                        "SELECT cost_usd FROM model_call WHERE cost_basis = 'possibly_billed'", BigDecimal.class))
                .isEqualByComparingTo("0.04");
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(r.stdout()).contains("possibly billed");
    }

    /** Rows 9: Retry-After values that overflow a long in nanoseconds are read safely and capped. */
    @Test
    void hugeRetryAfterValuesAreCappedNotOverflowed() throws Exception {
        AtomicInteger n = new AtomicInteger();
        String[] hints = {"1e20", "10000000000", "Infinity"};
        server.behaviour(c -> c.attempt() == 1
                ? FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}")
                        .withHeader("Retry-After", hints[n.getAndIncrement() % hints.length])
                : server.success(c));
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1").prompts(numbered(3, "overflow"));

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(images()).isEqualTo(3);
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM model_call WHERE http_status = 429 AND retried", Integer.class))
                .isEqualTo(3);
    }

    /** Row 10: NUL in every provider string is escaped; the chunk's other, paid prompts are kept. */
    @Test
    void aNulInAProviderStringNeitherFailsTheChunkNorLosesPaidImages() throws Exception {
        server.behaviour(c -> {
            if (c.prompt().contains("nul")) {
                return FakeOpenRouter.Reply.json(
                        400,
                        "{\"error\":{\"code\":400,\"message\":\"bad\\u0000byte\","
                                + "\"metadata\":{\"provider_name\":\"Fake\\u0000Provider\"}}}");
            }
            FakeOpenRouter.Reply ok = server.success(c);
            String body = new String(ok.body(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\"FakeProvider\"", "\"Fake\\u0000Provider\"");
            return new FakeOpenRouter.Reply(
                    200, ok.headers(), body.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
        });
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1\nchunk-size: 3")
                .prompts("a", "fine one", "b", "the nul one", "c", "fine two");

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(images()).isEqualTo(2);
        assertThat(jdbc.queryForObject("SELECT message FROM prompt_failure", String.class))
                .contains("bad\\u0000byte");
        assertThat(jdbc.queryForList("SELECT DISTINCT provider FROM generated_image", String.class))
                .containsExactly("Fake\\u0000Provider");
        Money.assertRecordedIsTheBill(jdbc, server);
    }

    /** Row 11: restarting an older run after a newer one re-staged the prompts says so, and fails while work waits. */
    @Test
    void restartingAnOlderRunThatANewerOneSupersededSaysSoAndFails() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, "skip-limit: 1\nconcurrency: 1\nchunk-size: 1")
                .prompts(
                        "a",
                        "[bad-request] one",
                        "b",
                        "[bad-request] two",
                        "c",
                        "[bad-request] three",
                        "d",
                        "fine four",
                        "e",
                        "fine five",
                        "f",
                        "fine six");
        TestJob.Result older = job.run("run", "--run-id", "r1");
        assertThat(older.exitCode()).as(older.toString()).isEqualTo(1);

        server.behaviour(FakeOpenRouter::noCredits);
        TestJob.Result newer = job.run("run", "--run-id", "r2");
        assertThat(newer.exitCode()).as(newer.toString()).isEqualTo(3);
        int pending = 6 - images();
        assertThat(pending).isPositive();

        server.behaviour(server::success);
        long calls = server.calls();
        TestJob.Result again = job.run("run", "--run-id", "r1");

        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.stderr() + again.stdout()).contains("superseded").contains("r2");
        assertThat(server.calls()).isEqualTo(calls);
        assertThat(6 - images()).isEqualTo(pending);
    }

    private void awaitServerIdle() {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> server.inFlight() == 0);
    }

    private TestJob imagesJob(String modelYaml, String runYaml) {
        return TestJob.openRouter(
                dir, db, server, "openrouter-images", FakeOpenRouter.IMAGE_API_MULTI_MODEL, modelYaml, runYaml);
    }
}
