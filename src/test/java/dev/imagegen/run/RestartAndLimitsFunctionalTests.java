package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.Money;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** Restarts, rerun-failed, money limits, the circuit breaker, the skip limit and disk/database faults. */
class RestartAndLimitsFunctionalTests extends FunctionalTest {

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

    @Test
    void rerunFailedSendsExactlyTheFailedPromptsAndResolvesThem() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts("ok", "fine", "m1", "[moderation] one", "m2", "[moderation] two", "n1", "[no-image] three");
        assertThat(job.run("run").exitCode()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure WHERE resolved_at IS NULL", Integer.class))
                .isEqualTo(3);

        server.behaviour(server::success); // the provider changed its mind
        long before = server.calls();
        TestJob.Result rerun = job.run("rerun-failed", "--kind", "moderation");

        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(server.calls() - before).isEqualTo(2);
        assertThat(server.received().subList((int) before, server.received().size()))
                .allSatisfy(c -> assertThat(c.prompt()).contains("[moderation]"));
        assertThat(jdbc.queryForList("SELECT prompt_id FROM prompt_failure WHERE resolved_at IS NULL", String.class))
                .containsExactly("n1");
        assertThat(images()).isEqualTo(3);

        TestJob.Result rest = job.run("rerun-failed");
        assertThat(rest.exitCode()).isZero();
        assertThat(images()).isEqualTo(4);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure WHERE resolved_at IS NULL", Integer.class))
                .isZero();
    }

    @Test
    void rerunFailedRejectsAnUnknownKind() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "b");
        TestJob.Result r = job.run("rerun-failed", "--kind", "nonsense");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("moderation");
    }

    @Test
    void aBudgetStopsTheRunAndARestartGoesOnOnlyWithAHigherBudget() throws Exception {
        server.costPerImage(0.10);
        TestJob job = TestJob.openRouter(dir, db, server, "max-cost-usd: 0.5").prompts(numbered(20, "budget"));

        TestJob.Result stopped = job.run("run", "--run-id", "b1");

        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        assertThat(stopped.stdout()).contains("budget reached");
        double spent = jdbc.queryForObject("SELECT sum(cost_usd) FROM model_call", Double.class);
        // At most the calls already in flight (one per partition) beyond the budget.
        assertThat(spent).isGreaterThanOrEqualTo(0.5).isLessThanOrEqualTo(0.5 + 4 * 0.10 + 1e-9);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();
        Money.assertRecordedIsTheBill(jdbc, server);

        // The budget is the run's: a restart with the same limit has nothing left to spend.
        long calls = server.calls();
        TestJob.Result same = job.run("restart");
        assertThat(same.exitCode()).as(same.toString()).isEqualTo(3);
        assertThat(server.calls()).isEqualTo(calls);

        TestJob.Result raised = job.run("restart", "--set", "run.max-cost-usd=100");
        assertThat(raised.exitCode()).as(raised.toString()).isZero();
        assertThat(images()).isEqualTo(20);
        assertThat(server.billedGenerations())
                .hasSize(20)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        Money.assertRecordedIsTheBill(jdbc, server);
    }

    @Test
    void maxImagesStopsTheRun() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, "max-images: 5\nconcurrency: 4")
                .prompts(numbered(12, "limit"));

        TestJob.Result stopped = job.run("run", "--run-id", "m1");

        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        assertThat(images()).isEqualTo(5);
        // max-images is the run's too: the same limit again makes nothing; a higher one goes on by the difference.
        assertThat(job.run("run", "--run-id", "m1").exitCode()).isEqualTo(3);
        assertThat(images()).isEqualTo(5);
        assertThat(job.run("run", "--run-id", "m1", "--set", "run.max-images=10")
                        .exitCode())
                .isEqualTo(3);
        assertThat(images()).isEqualTo(10);
    }

    @Test
    void anOutageTripsTheCircuitBreakerInsteadOfBurningTheSkipLimit() throws Exception {
        server.behaviour(c ->
                FakeOpenRouter.Reply.json(502, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}"));
        TestJob job = TestJob.openRouter(
                        dir,
                        db,
                        server,
                        "skip-limit: 50\nconcurrency: 2\ncircuit-breaker: { window: 6, failure-rate: 0.8 }")
                .prompts(numbered(40, "outage"));

        TestJob.Result stopped = job.run("run", "--run-id", "o1");

        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        assertThat(stopped.stdout()).contains("circuit breaker");
        int skipped = jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class);
        assertThat(skipped).isLessThan(12);

        server.behaviour(server::success);
        TestJob.Result healed = job.run("run", "--run-id", "o1");
        assertThat(healed.exitCode()).as(healed.toString()).isZero();
        // The few prompts skipped before the breaker tripped are what rerun-failed is for.
        TestJob.Result rerun = job.run("rerun-failed", "--kind", "transient");
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(images()).isEqualTo(40);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure WHERE resolved_at IS NULL", Integer.class))
                .isZero();
    }

    @Test
    void tooManySkipsFailTheRunNamingTheCommonestKinds() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, "skip-limit: 2\nconcurrency: 1")
                .prompts(numbered(6, "[moderation] bad"));

        TestJob.Result failed = job.run("run");

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.stdout()).contains("skip-limit").contains("moderation");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isEqualTo(3);
    }

    @Test
    void tenPercentTransientFailuresStillCompleteEveryPromptWithoutASkip() throws Exception {
        AtomicInteger n = new AtomicInteger();
        server.behaviour(c -> {
            if (c.attempt() == 1) {
                switch (n.incrementAndGet() % 40) {
                    case 1:
                        return FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"slow\"}}")
                                .withHeader("Retry-After", "0");
                    case 2:
                        return FakeOpenRouter.Reply.json(502, "{\"error\":{\"code\":502,\"message\":\"x\"}}");
                    case 3:
                        return FakeOpenRouter.Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"x\"}}");
                    case 4:
                        return FakeOpenRouter.Reply.json(
                                200,
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion\","
                                        + "\"created\":1,\"model\":\"m\",\"system_fingerprint\":null,"
                                        + "\"error\":{\"code\":502,\"message\":\"mid\"},\"choices\":[]}");
                    default:
                        break;
                }
            }
            return server.success(c);
        });
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts(numbered(80, "flaky"));

        TestJob.Result r = job.run("run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(images()).isEqualTo(80);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE attempts = 2", Integer.class))
                .isEqualTo(8);
    }

    @Test
    void anUnwritableOutputStopsCleanlyAndARestartCompletes() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts(numbered(6, "disk"));
        Files.createDirectories(job.output());
        Files.writeString(job.output().resolve("images"), "not a directory");

        TestJob.Result stopped = job.run("run", "--run-id", "d1");

        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        assertThat(stopped.stdout()).contains("cannot write to output.dir");
        assertThat(images()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt_failure", Integer.class))
                .isZero();

        Files.delete(job.output().resolve("images"));
        TestJob.Result resumed = job.run("run", "--run-id", "d1");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(images()).isEqualTo(6);
    }

    @Test
    void losingTheDatabaseMidRunFailsItAndARestartCompletesIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        JdbcTemplate admin = db.jdbc();
        server.behaviour(c -> {
            if (calls.incrementAndGet() == 5) {
                // Every connection of the job's database is cut while this call is in flight.
                admin.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }
            return server.success(c);
        });
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1\nchunk-size: 2")
                .prompts(numbered(10, "dbloss"));

        TestJob.Result failed = job.run("run", "--run-id", "x1");
        assertThat(failed.exitCode()).as(failed.toString()).isIn(1, 4);

        server.behaviour(server::success);
        TestJob.Result resumed = job.run("run", "--run-id", "x1");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(images()).isEqualTo(10);
        assertThat(server.billedGenerations())
                .hasSize(10)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    @Test
    void aRestartWithAChangedJobFileIsRefusedAndAChangedConcurrencyWorks() throws Exception {
        server.behaviour(FakeOpenRouter::noCredits);
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts(numbered(8, "change"));
        assertThat(job.run("run", "--run-id", "c1").exitCode()).isEqualTo(3);
        server.behaviour(server::success);

        TestJob.Result changed = job.run("run", "--run-id", "c1", "--set", "model.seed=99");
        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.stderr()).contains("different job file").contains("--run-id");

        TestJob.Result moreThreads = job.run("run", "--run-id", "c1", "--set", "run.concurrency=7");
        assertThat(moreThreads.exitCode()).as(moreThreads.toString()).isZero();
        assertThat(images()).isEqualTo(8);
    }

    @Test
    void strayTempFilesFromAKilledWriteAreRemoved() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one");
        Path shard = job.output().resolve("images/ab");
        Files.createDirectories(shard);
        Path stray = shard.resolve(".x_v0_123456789abc.png.0f0f.tmp");
        Files.writeString(stray, "half an image");

        assertThat(job.run("run").exitCode()).isZero();
        assertThat(stray).doesNotExist();
    }

    @Test
    void statusShowsTheRunsAndWhatARestartWouldDo() throws Exception {
        server.behaviour(FakeOpenRouter::noCredits);
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts(numbered(3, "status"));
        job.run("run", "--run-id", "s1");

        TestJob.Result status = job.run("status");

        assertThat(status.exitCode()).isZero();
        assertThat(status.stdout())
                .contains("s1")
                .contains("STOPPED")
                .contains("3 without an image")
                .contains("restart");
    }
}
