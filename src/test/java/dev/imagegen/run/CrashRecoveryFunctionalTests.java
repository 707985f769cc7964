package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kills a real child JVM running the job (SIGKILL, or SIGTERM for a graceful stop) at chosen moments, restarts it,
 * and checks the invariants: one image per prompt, each billed once, every row's file on disk with its hash, no
 * temp files left.
 */
class CrashRecoveryFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private void writeJob(int prompts, int concurrency, int chunkSize) throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < prompts; i++) {
            csv.append("id-")
                    .append(i)
                    .append(",a picture of thing number ")
                    .append(i)
                    .append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        Files.writeString(dir.resolve("job.yml"), """
                dataset: crash
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: k, seed: 3, timeout: 30s }
                run:
                  concurrency: %d
                  chunk-size: %d
                  retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms }
                output: { dir: out }
                """.formatted(server.baseUrl(), concurrency, chunkSize));
    }

    private ImagegenProcess child(String... args) throws Exception {
        String[] argv = new String[args.length + 2];
        argv[0] = "run";
        argv[1] = dir.resolve("job.yml").toString();
        System.arraycopy(args, 0, argv, 2, args.length);
        return imagegen().start(argv);
    }

    /** What every child of the test printed. */
    private String log() throws Exception {
        return imagegen().output();
    }

    private long imageFilesOnDisk() throws Exception {
        Path images = dir.resolve("out/images");
        if (!Files.isDirectory(images)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(images)) {
            return files.filter(p -> p.toString().endsWith(".png")
                            && !p.getFileName().toString().startsWith("."))
                    .count();
        }
    }

    /** Lets the child run until the server has seen {@code calls} more requests, then SIGKILLs it at a quiet moment. */
    private void killAfter(int calls) throws Exception {
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() >= calls) {
                server.freeze(); // calls in flight stay in flight: the kill lands during model calls
                reached.countDown();
            }
            return server.success(c).withDelay(20);
        });
        ImagegenProcess p = child("--run-id", "night");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("child reached %d calls", calls)
                .isTrue();
        // Every response that went out has reached the disk (maybe not the database): kill now.
        await().atMost(PATIENCE).until(() -> imageFilesOnDisk() == server.billedTotal());
        p.kill();
        server.dropFrozen();
    }

    @Test
    void killedThreeTimesTheDatasetIsCompleteAndEveryImageWasPaidForOnce() throws Exception {
        writeJob(300, 8, 5);

        killAfter(40);
        killAfter(70);
        killAfter(90);
        long adoptedOrPending =
                imageFilesOnDisk() - jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);

        server.behaviour(server::success);
        ImagegenProcess last = child("--run-id", "night");
        assertThat(last.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(log()).isZero();

        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM generated_image");
        assertThat(rows).hasSize(300);
        for (Map<String, Object> row : rows) {
            Path file = dir.resolve("out").resolve((String) row.get("file_path"));
            assertThat(ImageStore.sha256(Files.readAllBytes(file))).isEqualTo(row.get("sha256"));
        }
        assertThat(server.billedGenerations())
                .hasSize(300)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(adoptedOrPending)
                .as("files on disk without their row at the last kill")
                .isPositive();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE adopted", Long.class))
                .isPositive();
        try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
            assertThat(all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")))
                    .isEmpty();
        }
        assertThat(jdbc.queryForList("SELECT status FROM batch_job_execution ORDER BY job_execution_id", String.class))
                .containsExactly("FAILED", "FAILED", "FAILED", "COMPLETED");
    }

    @Test
    void sigtermStopsGracefullyAndARestartCompletes() throws Exception {
        writeJob(60, 4, 2);
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 10) {
                reached.countDown();
            }
            return server.success(c).withDelay(100);
        });
        ImagegenProcess p = child("--run-id", "term");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        p.terminate(); // SIGTERM
        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log()).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution", String.class))
                .isEqualTo("STOPPED");
        // Calls in flight at the signal were finished and stored: every billed image has its row.
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(server.billedTotal())
                .isLessThan(60);

        server.behaviour(server::success);
        ImagegenProcess again = child("--run-id", "term");
        assertThat(again.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(60);
        assertThat(server.billedGenerations())
                .hasSize(60)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    @Test
    void aSecondSignalExitsAtOnceAndTheRunStillRestarts() throws Exception {
        writeJob(40, 4, 2);
        CountDownLatch reached = new CountDownLatch(4);
        server.behaviour(c -> {
            reached.countDown();
            return server.success(c).withDelay(5_000); // long calls: only a second signal ends this quickly
        });
        ImagegenProcess p = child("--run-id", "twice");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        p.terminate();
        // The second SIGTERM must not merge with the first: send it once the first has been handled.
        await().atMost(PATIENCE).until(() -> log().contains("SIGTERM received"));
        p.terminate();
        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log()).isEqualTo(3);
        // It did not wait for the 5-second calls in flight: the run is left as it was, for the restart to recover.
        assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution", String.class))
                .isEqualTo("STARTED");

        server.behaviour(server::success);
        ImagegenProcess again = child("--run-id", "twice");
        assertThat(again.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as(log()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(40);
    }

    @Test
    void killedWhileStagingTheRestartStagesEachRowOnce() throws Exception {
        writeJob(60_000, 2, 5);
        ImagegenProcess p = child("--run-id", "stage", "--set", "run.max-images=1");
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(5))
                .until(() ->
                        jdbc.queryForObject("SELECT count(*) FROM pg_tables WHERE tablename = 'prompt'", Integer.class)
                                        > 0
                                && jdbc.queryForObject("SELECT count(*) FROM prompt", Integer.class) > 0);
        p.kill();
        int staged = jdbc.queryForObject("SELECT count(*) FROM prompt", Integer.class);
        assertThat(staged).as("killed mid-staging").isLessThan(60_000);

        ImagegenProcess again = child("--run-id", "stage", "--set", "run.max-images=1");
        assertThat(again.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as(log()).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt", Integer.class))
                .isEqualTo(60_000);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM source_reject", Integer.class))
                .isZero();
    }
}
