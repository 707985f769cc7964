package dev.imagegen.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code imagegen plan}: the figures of a dataset with new, changed, failed, waiting and done prompts, the limits that
 * would stop the run, and that planning calls no model and stages nothing.
 */
class PlanFunctionalTests extends FunctionalTest {

    /**
     * A first run over a-mod (refused), b, c, d, e, f that stops at max-images 3 with one partition on one thread, so
     * it goes in id order: a-mod fails, b, c and d get images, e and f are left staged. Then the source changes: c's
     * prompt, f removed, g and h added, one bad row.
     */
    private TestJob datasetInEveryState() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts("a-mod", "[moderation] a", "b", "bee", "c", "sea", "d", "dee", "e", "ee", "f", "eff");
        TestJob.Result first =
                job.run("run", "--set", "run.concurrency=1", "--set", "run.partitions=1", "--set", "run.max-images=3");
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(3);
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image ORDER BY prompt_id", String.class))
                .containsExactly("b", "c", "d");
        job.prompts(
                "a-mod",
                "[moderation] a",
                "b",
                "bee",
                "c",
                "sea, at night",
                "d",
                "dee",
                "e",
                "ee",
                "g",
                "gee",
                "h",
                "aitch");
        Files.writeString(job.dir().resolve("prompts.csv"), "x,\n", java.nio.file.StandardOpenOption.APPEND);
        return job;
    }

    @Test
    void countsEveryStateAndCallsNoModelAndStagesNothing() throws Exception {
        TestJob job = datasetInEveryState();
        long calls = server.calls();
        List<String> staged =
                jdbc.queryForList("SELECT prompt_id || ':' || request_hash FROM prompt ORDER BY 1", String.class);
        long stagedRuns = jdbc.queryForObject("SELECT count(*) FROM batch_job_instance", Long.class);

        TestJob.Result plan = job.run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.stdout())
                .contains("plan: dataset test, a new run")
                .contains("source      8 rows: 7 prompts, 1 rejected")
                .contains("staged      6 prompts in the database (1 no longer in the source, not sent)")
                .contains("prompts     2 new, 1 changed, 1 with an unresolved failure, 1 waiting (staged, never "
                        + "generated), 2 done")
                .contains("to make     5 images for 5 prompts (images-per-prompt 1), in 5 calls of up to 1 image")
                .contains("from the provider's catalogue pricing (GET /models)")
                .contains("at concurrency 4")
                .contains("stops       none");
        // The estimate is the per-call figure times the calls.
        double perCall = money(plan.stdout(), ": (\\$[0-9.]+) per call");
        double total = money(plan.stdout(), "cost        about (\\$[0-9.]+)");
        assertThat(total).isCloseTo(5 * perCall, org.assertj.core.data.Offset.offset(0.00005));
        // No model call, no staging, no run: only the check's GETs.
        assertThat(server.calls()).isEqualTo(calls);
        assertThat(server.received()).hasSize((int) calls);
        assertThat(jdbc.queryForList("SELECT prompt_id || ':' || request_hash FROM prompt ORDER BY 1", String.class))
                .isEqualTo(staged);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_instance", Long.class))
                .isEqualTo(stagedRuns);
        assertThat(server.metadataRequests()).doesNotContain("GET /api/v1/generation");

        // And the run does what the plan said: five calls, for the five prompts it named.
        TestJob.Result run = job.run("run");
        assertThat(run.stderr())
                .contains("imagegen: plan: 5 images in 5 calls (2 new, 1 changed, 1 failed, "
                        + "1 waiting, 2 done), about $");
        assertThat(server.calls() - calls).isEqualTo(5);
    }

    @Test
    void saysWhichLimitStopsTheRunFirst() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 0.07")
                .prompts(
                        "a", "one", "b", "two", "c", "three", "d", "four", "e", "five", "f", "six", "g", "seven", "h",
                        "eight");
        server.keyLimitRemaining(0.03);

        TestJob.Result plan = job.run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        double perCall = money(plan.stdout(), ": (\\$[0-9.]+) per call");
        long byKey = (long) Math.floor(0.03 / perCall);
        long byBudget = (long) Math.floor(0.07 / perCall);
        assertThat(byKey).isLessThan(byBudget).isLessThan(8);
        assertThat(plan.stdout())
                .contains("key limit   $0.0300 left on the key (GET /key)")
                .contains("stops first the key's limit stops the run after about " + byKey + " of 8 calls")
                .contains("then        run.max-cost-usd stops the run after about " + byBudget + " of 8 calls");

        server.keyLimitRemaining(null);
        TestJob.Result images = job.run("plan", "--set", "run.max-images=1", "--set", "run.max-cost-usd=100");
        assertThat(images.stdout()).contains("stops first run.max-images stops the run after about 1 of 8 calls");
        assertThat(server.calls()).isZero();
    }

    @Test
    void aCompletedRunIdIsPlannedAsNothingToDo() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one");
        assertThat(job.run("run", "--run-id", "r1").exitCode()).isZero();

        TestJob.Result plan = job.run("plan", "--run-id", "r1");

        assertThat(plan.exitCode()).isZero();
        assertThat(plan.stdout()).contains("run r1 already completed");
        TestJob.Result fresh = job.run("plan");
        assertThat(fresh.stdout()).contains("1 done").contains("to make     0 images");
    }

    @Test
    void plansWithoutAKeyFromTheJobFileAlone() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two");
        job.yaml(job.yaml().replace("api-key: test-key-123", "api-key: \"${NO_SUCH_KEY_VARIABLE:-}\""));

        TestJob.Result plan = job.run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.stdout())
                .contains("2 new")
                .contains("cost        unknown")
                .contains("the provider was not asked");

        TestJob.Result priced = job.run(
                "plan", "--set", "model.pricing.input-per-million=10", "--set", "model.pricing.output-per-million=20");
        assertThat(priced.stdout()).contains("from model.pricing");
        assertThat(server.metadataRequests()).isEmpty();
    }

    @Test
    void aRestartIsPlannedWithWhatTheRunAlreadySpent() throws Exception {
        server.costPerImage(0.10);
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 0.25")
                .prompts("a", "one", "b", "two", "c", "three", "d", "four", "e", "five", "f", "six");
        TestJob.Result stopped = job.run("run", "--run-id", "b1", "--set", "run.concurrency=1");
        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        double spent = jdbc.queryForObject("SELECT sum(cost_usd) FROM model_call", Double.class);
        assertThat(spent).isCloseTo(server.bill().doubleValue(), org.assertj.core.data.Offset.offset(0.005));
        long calls = server.calls();

        TestJob.Result plan = job.run("plan", "--run-id", "b1");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        long left = 6 - jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
        assertThat(plan.stdout())
                .contains("plan: dataset test, restart of run b1")
                .contains("to make     " + left + " images")
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "run.max-cost-usd $0.2500, $%.4f spent by this run " + "so far, $0.0000 left",
                        spent))
                .contains("stops first run.max-cost-usd stops the run after about 0 of " + left + " calls");
        assertThat(server.calls()).isEqualTo(calls);

        // A higher budget lets the run go on by the difference.
        TestJob.Result more = job.run("plan", "--run-id", "b1", "--set", "run.max-cost-usd=" + (spent + 0.03));
        double perCall = money(more.stdout(), ": (\\$[0-9.]+) per call");
        assertThat(more.stdout())
                .contains("$0.0300 left")
                .contains("stops first run.max-cost-usd stops the run " + "after about "
                        + (long) Math.floor(0.03 / perCall) + " of " + left + " calls");
    }

    private static double money(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in:\n" + text).isTrue();
        return Double.parseDouble(m.group(1).substring(1));
    }

    /**
     * A staging is counted where it lies (no copy of its rows): the figures must be those of reading the same source,
     * prompts of an older staging no longer in it ("gone") included.
     */
    @Test
    void aStagingIsCountedAsReadingItsSourceWouldCountIt() throws Exception {
        TestJob job = datasetInEveryState();
        TestJob.Result second =
                job.run("run", "--set", "run.concurrency=1", "--set", "run.partitions=1", "--set", "run.max-images=1");
        assertThat(second.exitCode()).as(second.toString()).isEqualTo(3);
        dev.imagegen.spec.JobSpec spec =
                new dev.imagegen.spec.JobSpecLoader().load(job.dir().resolve("job.yml"), List.of());
        long staging = jdbc.queryForObject(
                "SELECT max(job_instance_id) FROM prompt_staging WHERE dataset = 'test'", Long.class);
        PromptCensus census = new PromptCensus(
                jdbc, new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()), spec);

        PromptCensus.Census staged = census.fromStaging(staging, null);

        assertThat(staged).isEqualTo(census.fromSource(null));
        assertThat(staged.gone()).isEqualTo(1);
        assertThat(staged.failed()).isEqualTo(1);
        assertThat(staged.rejected()).isEqualTo(1);
    }
}
