package dev.imagegen.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.Money;
import dev.imagegen.testing.TestJob;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The money rows that need a real process: a signal during a long Retry-After wait, the scheduler's catch-up after
 * a budget stop, and the exact bound of a kill -9.
 */
class MoneyProcessFunctionalTests extends FunctionalTest {

    /** How long a child may take to do what it must; far less than the waits these tests make sure it skips. */
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private void writeJob(int prompts, String run) throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < prompts; i++) {
            csv.append(String.format("id-%03d", i))
                    .append(",a picture of thing number ")
                    .append(i)
                    .append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        Files.writeString(dir.resolve("job.yml"), """
                dataset: money
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: k, seed: 3, timeout: 30s }
                run:
                %s
                output: { dir: out }
                schedule: { cron: "0 0 0 1 1 *", zone: UTC }
                """.formatted(server.baseUrl(), run.indent(2)));
    }

    private ImagegenProcess child(String... args) throws Exception {
        return imagegen().start(args);
    }

    /** What every child of the test printed. */
    private String log() throws Exception {
        return imagegen().output();
    }

    /** Row 8: a 429 with Retry-After: 3600, then SIGTERM: every wait ends at once and the run stops (exit 3). */
    @Test
    void aSignalEndsEveryRetryWaitAtOnce() throws Exception {
        writeJob(6, """
                concurrency: 2
                retry: { max-attempts: 5, initial-delay: 10ms, max-delay: 2h }""");
        CountDownLatch waiting = new CountDownLatch(2);
        server.behaviour(c -> {
            waiting.countDown();
            return FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}")
                    .withHeader("Retry-After", "3600");
        });
        ImagegenProcess p = child("run", dir.resolve("job.yml").toString(), "--run-id", "wait", "--skip-check");
        assertThat(waiting.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("both threads got their 429")
                .isTrue();

        p.terminate(); // SIGTERM, while every worker waits out the hour

        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("stopped without waiting the hour")
                .isTrue();
        assertThat(p.exitValue()).as(log()).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution", String.class))
                .isEqualTo("STOPPED");
        // The refused attempts are on the books, billed at nothing, and no prompt was skipped for them.
        assertThat(jdbc.queryForList("SELECT DISTINCT cost_basis FROM model_call", String.class))
                .containsExactly("none");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM model_call", Long.class))
                .isEqualTo(server.calls());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();
        Money.assertRecordedIsTheBill(jdbc, server);
    }

    /** Row 2 (the scheduler): its catch-up does not restart a run that stopped on its budget, and says so. */
    @Test
    void theSchedulersCatchUpLeavesARunStoppedOnItsBudget() throws Exception {
        server.costPerImage(0.10);
        writeJob(12, """
                concurrency: 1
                chunk-size: 1
                max-cost-usd: 0.4""");
        TestJob job = new TestJob(dir, db, Files.readString(dir.resolve("job.yml")));
        TestJob.Result stopped = job.run("run", "--run-id", "b1");
        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        BigDecimal billed = server.bill();
        assertThat(billed).isEqualByComparingTo("0.40");

        for (int i = 1; i <= 2; i++) {
            ImagegenProcess scheduler = child("schedule", dir.resolve("job.yml").toString());
            // Once it names its next slot (a year away), the catch-up is behind it.
            int started = i;
            await().atMost(PATIENCE).until(() -> log().split("next run", -1).length - 1 >= started);
            scheduler.terminate();
            assertThat(scheduler.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
        }

        assertThat(server.bill())
                .as("no execution spent beyond the run's budget")
                .isEqualByComparingTo(billed);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Integer.class))
                .isEqualTo(1);
        Money.assertRecordedIsTheBill(jdbc, server);
        assertThat(log()).contains("not catching up run b1").contains("budget");
        TestJob.Result status = job.run("status");
        assertThat(status.stdout()).contains("STOPPED on budget").contains("does not restart it");
    }

    /**
     * The kill -9 bound: after a SIGKILL mid-run and a restart, every dollar the provider billed is on the books
     * except the calls in flight at the kill, and those are exactly the calls paid twice (the restart sends them
     * again); there are at most {@code run.concurrency} of them. The fake holds its answers back once the run is
     * under way, so that at the kill exactly the held calls are in flight; it finishes and bills them afterwards, as
     * a provider does. Half the prompts get a billed answer without an image (a failure for good, never
     * sent again), so that calls which ended before the kill in a chunk not yet committed are covered too.
     */
    @Test
    void afterAKillOnlyTheCallsInFlightArePaidTwiceAndNothingElseIsOffTheBooks() throws Exception {
        int prompts = 96;
        int concurrency = 4;
        writeJob(prompts, """
                concurrency: %d
                partitions: %d
                chunk-size: 6
                retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms }""".formatted(concurrency, concurrency));
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 14) {
                server.freeze(); // from this call on, answers are held: the calls stay in flight
            }
            return (c.prompt().matches(NO_IMAGE_PROMPTS) ? noImage() : server.success(c)).withDelay(10);
        });
        ImagegenProcess p = child("run", dir.resolve("job.yml").toString(), "--run-id", "kill", "--skip-check");
        // Every thread waits on a held answer: all earlier answers were handled (their threads moved on).
        await().atMost(PATIENCE).until(() -> server.frozenCalls().size() == concurrency);
        p.kill();
        List<FakeOpenRouter.Call> inFlight = server.frozenCalls();
        server.thaw(); // the provider finishes them, and bills them, though nobody reads the answers
        await().atMost(PATIENCE).until(() -> server.inFlight() == 0);

        ImagegenProcess again = child("run", dir.resolve("job.yml").toString(), "--run-id", "kill", "--skip-check");
        assertThat(again.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as(log()).isZero();
        await().atMost(PATIENCE).until(() -> server.inFlight() == 0);

        int failed = jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class);
        assertThat(failed).isPositive();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class) + failed)
                .isEqualTo(prompts);
        Map<String, Integer> callsPerPrompt = new TreeMap<>();
        server.received().forEach(c -> callsPerPrompt.merge(c.prompt(), 1, Integer::sum));
        assertThat(callsPerPrompt).hasSize(prompts);
        java.util.Set<String> paidTwice = new java.util.TreeSet<>();
        callsPerPrompt.forEach((prompt, n) -> {
            if (n > 1) {
                paidTwice.add(prompt);
            }
        });
        // Repeat payments: exactly the calls in flight at the kill, each once more; nothing else.
        assertThat(paidTwice)
                .as(
                        "calls per prompt %s, failures %s",
                        callsPerPrompt,
                        jdbc.queryForList(
                                "SELECT prompt_id || ' ' || job_execution_id FROM prompt_failure", String.class))
                .containsExactlyInAnyOrderElementsOf(
                        inFlight.stream().map(FakeOpenRouter.Call::prompt).toList());
        assertThat(callsPerPrompt.values()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
        // And exactly those are off the books: the bill less the ledger is their price.
        BigDecimal inFlightPrice = BigDecimal.ZERO;
        for (FakeOpenRouter.Call c : inFlight) {
            inFlightPrice =
                    inFlightPrice.add(c.prompt().matches(NO_IMAGE_PROMPTS) ? NO_IMAGE_COST : new BigDecimal("0.04"));
        }
        assertThat(server.bill().subtract(Money.recorded(jdbc))).isEqualByComparingTo(inFlightPrice);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM model_call", Integer.class))
                .isEqualTo(server.received().size() - inFlight.size());
    }

    private static final BigDecimal NO_IMAGE_COST = new BigDecimal("0.0005");
    /** Half the prompts: with chunks of 6 in 4 partitions, the chunks in progress at the kill hold some of them. */
    private static final String NO_IMAGE_PROMPTS = ".*[02468]";

    /** A billed 200 without an image: a failure for good (no_image), never retried. */
    private static FakeOpenRouter.Reply noImage() {
        return FakeOpenRouter.Reply.json(200, """
                {"id":"gen-x","object":"chat.completion","created":1,"system_fingerprint":null,\
                "model":"openai/gpt-5.4-image-2","provider":"FakeProvider","choices":[{"index":0,\
                "finish_reason":"stop","message":{"role":"assistant","content":"I can only describe it."}}],\
                "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,"cost":0.0005}}""");
    }
}
