package dev.imagegen.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.run.DatasetLock;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The scheduler against the real job and database, driven by a fake clock: slots pass at once, no real waiting.
 */
class SchedulerFunctionalTests extends FunctionalTest {

    private static final ZonedDateTime BEFORE_TWO = ZonedDateTime.of(2025, 6, 1, 1, 59, 30, 0, ZoneOffset.UTC);

    private final List<String> outcomes = new ArrayList<>();

    @Test
    void aPerMinuteCronRunsTwiceInTwoMinutesAndTheSecondRunOnlySendsTheNewPrompts() throws Exception {
        TestJob job = job("* * * * *").prompts("a", "one", "b", "two", "c", "three");
        List<Long> callsBeforeSlot = new ArrayList<>();
        FakeSlotClock clock = new FakeSlotClock(BEFORE_TWO, 2).beforeSlot(slot -> {
            callsBeforeSlot.add(server.calls());
            if (slot.getMinute() == 1) {
                append(job.dir().resolve("prompts.csv"), "d,four\ne,five\n");
            }
        });

        runScheduler(job, clock);

        assertThat(outcomes).containsExactly("2025-06-01T02:00 -> 0", "2025-06-01T02:01 -> 0");
        assertThat(callsBeforeSlot).containsExactly(0L, 3L);
        assertThat(server.calls()).isEqualTo(5);
        assertThat(server.billedGenerations())
                .hasSize(5)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(jdbc.queryForList("""
                SELECT p.parameter_value FROM batch_job_execution e
                  JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                 WHERE p.parameter_name = 'run.id' AND e.status = 'COMPLETED' ORDER BY e.job_execution_id""", String.class)).containsExactly("2025-06-01T02:00", "2025-06-01T02:01");
    }

    @Test
    void aNightlyCronNamesEachRunAfterItsDateLikeRunDashDashRunDate() throws Exception {
        TestJob job = job("0 2 * * *").prompts("a", "one");
        FakeSlotClock clock = new FakeSlotClock(BEFORE_TWO, 2);

        runScheduler(job, clock);

        assertThat(outcomes).containsExactly("2025-06-01 -> 0", "2025-06-02 -> 0");
        TestJob.Result sameNight = job.run("run", "--run-date", "2025-06-02");
        assertThat(sameNight.exitCode()).isZero();
        assertThat(sameNight.stderr()).contains("run 2025-06-02").contains("already completed");
    }

    @Test
    void aSlotIsSkippedWhileAnotherProcessRunsTheDatasetAndTheNextSlotRuns() throws Exception {
        TestJob job = job("* * * * *").prompts("a", "one");
        DatasetLock[] held = {
            DatasetLock.tryAcquire(ImagegenDatabase.external(db.url(), db.user(), db.password()), "test")
        };
        FakeSlotClock clock = new FakeSlotClock(BEFORE_TWO, 2).beforeSlot(slot -> {
            if (slot.getMinute() == 1) {
                close(held[0]);
            }
        });

        runScheduler(job, clock);

        assertThat(outcomes).containsExactly("2025-06-01T02:00 -> 4", "2025-06-01T02:01 -> 0");
        assertThat(server.calls()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void onStartItFirstRestartsTheLastStoppedRun() throws Exception {
        TestJob job = job("0 2 * * *").prompts("a", "one", "b", "two");
        server.behaviour(FakeOpenRouter::noCredits);
        assertThat(job.run("run", "--run-date", "2025-05-31").exitCode()).isEqualTo(ExitCode.STOPPED);
        server.behaviour(server::markers);

        runScheduler(job, new FakeSlotClock(BEFORE_TWO, 0));

        assertThat(outcomes).containsExactly("2025-05-31 -> 0");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(2);
    }

    @Test
    void onStartItCatchesUpARunWhoseProcessWasKilled() throws Exception {
        TestJob job = job("0 2 * * *").prompts("a", "one", "b", "[hold] two", "c", "three");
        Files.writeString(job.dir().resolve("job.yml"), job.yaml());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.behaviour(call -> {
            if (call.prompt().contains("[hold]") && call.attempt() == 1) {
                entered.countDown();
                await(release);
            }
            return server.success(call);
        });
        ImagegenProcess killed = imagegen()
                .log("killed")
                .start("run", job.dir().resolve("job.yml").toString(), "--run-date", "2025-06-01");
        assertThat(entered.await(2, TimeUnit.MINUTES))
                .as("the run reached the model")
                .isTrue();
        killed.kill();
        release.countDown();
        awaitDatasetLockReleased();
        assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution", String.class))
                .isEqualTo("STARTED");

        runScheduler(job, new FakeSlotClock(BEFORE_TWO, 0));

        assertThat(outcomes).containsExactly("2025-06-01 -> 0");
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image", String.class))
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(jdbc.queryForList("SELECT status FROM batch_job_execution ORDER BY job_execution_id", String.class))
                .last()
                .isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject(
                        "SELECT count(DISTINCT job_instance_id) FROM batch_job_execution", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void firesAtMostOncePerDayTellsNightlyCronsFromOthers() {
        ZonedDateTime from = BEFORE_TWO;
        assertThat(Scheduler.firesAtMostOncePerDay(cron("0 0 2 * * *"), ZoneOffset.UTC, from))
                .isTrue();
        assertThat(Scheduler.firesAtMostOncePerDay(cron("0 30 1 * * MON-FRI"), ZoneOffset.UTC, from))
                .isTrue();
        assertThat(Scheduler.firesAtMostOncePerDay(cron("0 * * * * *"), ZoneOffset.UTC, from))
                .isFalse();
        assertThat(Scheduler.firesAtMostOncePerDay(cron("0 0 2,14 * * *"), ZoneOffset.UTC, from))
                .isFalse();
    }

    private static org.springframework.scheduling.support.CronExpression cron(String text) {
        return org.springframework.scheduling.support.CronExpression.parse(text);
    }

    private TestJob job(String cron) {
        TestJob job = TestJob.openRouter(dir, db, server, null);
        return job.yaml(job.yaml() + "schedule: { cron: \"" + cron + "\", zone: UTC }\n");
    }

    private void runScheduler(TestJob job, SlotClock clock) throws Exception {
        Path jobFile = job.dir().resolve("job.yml");
        Files.writeString(jobFile, job.yaml());
        JobSpec spec = new JobSpecLoader().load(jobFile, List.of());
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(
                spec,
                Map.of(
                        "IMAGEGEN_DB_URL",
                        db.url(),
                        "IMAGEGEN_DB_USER",
                        db.user(),
                        "IMAGEGEN_DB_PASSWORD",
                        db.password()))) {
            RunLauncher launcher = ctx.getBean(RunLauncher.class);
            new Scheduler(
                            spec.schedule(),
                            spec.dataset(),
                            launcher::lastUnfinishedRunId,
                            runId -> launcher.run(runId, Map.of()),
                            clock,
                            new Scheduler.Reporter() {
                                @Override
                                public void outcome(String runId, RunOutcome outcome) {
                                    outcomes.add(runId + " -> " + outcome.exitCode());
                                }

                                @Override
                                public void failure(String runId, Exception e) {
                                    outcomes.add(runId + " threw " + e);
                                }

                                @Override
                                public void message(String text) {}
                            })
                    .run();
        }
    }

    /** The killed process's session ends when the server notices; taking the lock ourselves waits for exactly that. */
    private void awaitDatasetLockReleased() throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(hashtextextended('imagegen-dataset:test', 0))");
            s.execute("SELECT pg_advisory_unlock(hashtextextended('imagegen-dataset:test', 0))");
        }
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void close(DatasetLock lock) {
        try {
            lock.close();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
