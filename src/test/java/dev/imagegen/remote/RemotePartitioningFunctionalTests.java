package dev.imagegen.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.Money;
import dev.imagegen.testing.SecretScan;
import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import io.github.bucket4j.Bucket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Remote partitioning on this machine: three {@code imagegen worker} JVMs and manager JVMs ({@code imagegen run
 * --workers remote}) that share only one PostgreSQL and the output directory. The workers are started once for the
 * class and serve every test's dataset, as real workers serve any dataset.
 */
class RemotePartitioningFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int WORKERS = 3;
    private static final int THREADS = 4;

    /** The workers' logs, kept for a look after a failure. */
    private static final Path workerDir = Path.of("target", "remote-workers");

    /** The workers' database, and so every test's. */
    private static TestDatabase shared;

    private static final List<ImagegenProcess> workers = new ArrayList<>();

    @Override
    protected TestDatabase database() {
        return shared;
    }

    @BeforeAll
    static void startWorkers() throws Exception {
        Files.createDirectories(workerDir);
        shared = TestDatabase.fresh();
        for (int i = 0; i < WORKERS; i++) {
            startWorker();
        }
        awaitLiveWorkers(WORKERS);
    }

    private static void startWorker() throws Exception {
        int n = workers.size();
        workers.add(ImagegenProcess.in(workerDir)
                .database(shared)
                .log("worker-" + n)
                .start(
                        "worker",
                        "--name",
                        "w" + n,
                        "--concurrency",
                        String.valueOf(THREADS),
                        "--lease",
                        "3s",
                        "--poll",
                        "500ms"));
    }

    private static void awaitLiveWorkers(int n) {
        var workersDb = shared.jdbc();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> workersDb.queryForObject(
                                "SELECT count(*) FROM remote_worker "
                                        + "WHERE lease_until > now() AND stopped_at IS NULL",
                                Integer.class)
                        >= n);
    }

    @AfterAll
    static void stopWorkers() throws Exception {
        for (ImagegenProcess w : workers) {
            w.terminate(); // SIGTERM: finish the partitions in hand, then leave
        }
        for (ImagegenProcess w : workers) {
            if (!w.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                w.kill();
            }
        }
    }

    @BeforeEach
    void start() {
        awaitLiveWorkers(WORKERS);
    }

    private void writeJob(String dataset, int prompts, String runYaml) throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < prompts; i++) {
            csv.append("id-")
                    .append(i)
                    .append(",")
                    .append(dataset)
                    .append(" picture number ")
                    .append(i)
                    .append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        Files.writeString(
                dir.resolve("job.yml"), """
                dataset: %s
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: k, seed: 3, timeout: 5s }
                run:
                  workers: remote
                  poll-interval: 200ms
                  concurrency: %d
                  partitions: 48
                  chunk-size: 2
                  retry: { max-attempts: 4, initial-delay: 10ms, max-delay: 50ms }
                %s
                output: { dir: out }
                """.formatted(dataset, server.baseUrl(), WORKERS * THREADS, runYaml.indent(2)));
    }

    /** The manager: {@code imagegen <command> job.yml args...} in a child JVM. */
    private ImagegenProcess manager(String command, String... args) throws Exception {
        List<String> argv =
                new ArrayList<>(List.of(command, dir.resolve("job.yml").toString()));
        argv.addAll(List.of(args));
        return imagegen().log("manager").start(argv.toArray(String[]::new));
    }

    private int exitOf(ImagegenProcess p) throws Exception {
        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("process ended")
                .isTrue();
        return p.exitValue();
    }

    private String log() throws Exception {
        String log = imagegen().log("manager").output();
        Files.writeString(workerDir.resolve("manager-" + dir.getFileName() + ".log"), log);
        return log;
    }

    private Long executionOf(String dataset, String runId) {
        return jdbc.queryForObject("""
                SELECT max(e.job_execution_id) FROM batch_job_execution e
                  JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
                       AND d.parameter_name = 'dataset' AND d.parameter_value = ?
                  JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                       AND r.parameter_name = 'run.id' AND r.parameter_value = ?""", Long.class, dataset, runId);
    }

    private List<String> partitions(long execution, String status) {
        return jdbc.queryForList(
                "SELECT step_name FROM batch_step_execution WHERE job_execution_id = ? "
                        + "AND step_name LIKE 'generate-partition:%' AND status = ? ORDER BY step_name",
                String.class, execution, status);
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

    private void assertEveryImageOnDiskOnceAndBilledOnce(String dataset, int prompts) throws Exception {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM generated_image WHERE dataset = ?", dataset);
        assertThat(rows).hasSize(prompts);
        for (Map<String, Object> row : rows) {
            Path file = dir.resolve("out").resolve((String) row.get("file_path"));
            assertThat(ImageStore.sha256(Files.readAllBytes(file))).isEqualTo(row.get("sha256"));
        }
        assertThat(imageFilesOnDisk()).isEqualTo(prompts);
        assertThat(server.billedGenerations())
                .hasSize(prompts)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    @Test
    void threeWorkersMakeSixHundredImagesEachOnceAndBilledOnce() throws Exception {
        writeJob("three", 600, "");
        server.behaviour(c -> server.success(c).withDelay(5));

        assertThat(exitOf(manager("run", "--run-id", "r1"))).as("%s", log()).isZero();

        assertEveryImageOnDiskOnceAndBilledOnce("three", 600);
        long execution = executionOf("three", "r1");
        assertThat(partitions(execution, "COMPLETED")).hasSize(48);
        // Every partition ran in a worker (the manager ran none), and every worker took part.
        Map<String, Object> claims = jdbc.queryForMap(
                "SELECT count(*) AS partitions, "
                        + "count(DISTINCT worker_id) AS workers FROM partition_claim WHERE job_execution_id = ?",
                execution);
        assertThat(((Number) claims.get("partitions")).intValue()).isEqualTo(48);
        assertThat(((Number) claims.get("workers")).intValue()).isEqualTo(WORKERS);
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class, execution))
                .isEqualTo("COMPLETED");
        // status lists the workers that are alive.
        TestJob.Result status =
                new TestJob(dir, db, "").invoke("status", dir.resolve("job.yml").toString());
        assertThat(status.exitCode()).isZero();
        assertThat(status.stdout()).contains(WORKERS + " remote workers alive").contains("w1-");
        // What the workers needed to load the job file travelled, the key did not.
        assertThat(jdbc.queryForList(
                        "SELECT parameter_value FROM batch_job_execution_params " + "WHERE job_execution_id = ?",
                        String.class,
                        execution))
                .noneMatch(v -> v.contains("api-key"));
    }

    @Test
    void aKilledWorkerFailsTheRunAndARestartDoesExactlyTheMissingWork() throws Exception {
        writeJob("killed", 600, "");
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 200) {
                server.freeze(); // calls in flight stay in flight: the kill lands during model calls
                reached.countDown();
            }
            return server.success(c).withDelay(5);
        });
        ImagegenProcess first = manager("run", "--run-id", "k1");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("reached 200 calls")
                .isTrue();
        // Every response that went out has reached the disk: now kill one worker in the middle of its calls.
        await().atMost(PATIENCE).until(() -> imageFilesOnDisk() == server.billedTotal());
        ImagegenProcess victim = workers.get(0);
        String victimName = "w0";
        victim.kill();
        server.dropFrozen(); // the other workers' held calls fail unbilled and are retried

        assertThat(exitOf(first)).as("%s", log()).isEqualTo(1);
        long execution = executionOf("killed", "k1");
        List<String> failed = partitions(execution, "FAILED");
        assertThat(failed).isNotEmpty();
        assertThat(partitions(execution, "COMPLETED")).hasSize(48 - failed.size());
        // Exactly the partitions the dead worker held failed, each saying why.
        assertThat(jdbc.queryForList("""
                SELECT s.step_name FROM batch_step_execution s
                  JOIN partition_claim c ON c.step_execution_id = s.step_execution_id
                 WHERE s.job_execution_id = ? AND s.status = 'FAILED' AND c.worker_id LIKE ?
                 ORDER BY s.step_name""", String.class, execution, victimName + "-%"))
                .isEqualTo(failed);
        assertThat(jdbc.queryForList(
                        "SELECT exit_message FROM batch_step_execution WHERE job_execution_id = ? "
                                + "AND status = 'FAILED' AND step_name LIKE 'generate-partition:%'",
                        String.class, execution))
                .allMatch(m -> m.contains("stopped renewing its lease"));
        long rowsBefore =
                jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE dataset = 'killed'", Long.class);
        long filesWithoutRow = imageFilesOnDisk() - rowsBefore;
        int billedBefore = server.billedTotal();
        assertThat(billedBefore).isLessThan(600);

        startWorker(); // back to three for the other tests; the restart may use it
        ImagegenProcess restart = manager("restart");
        assertThat(exitOf(restart)).as("%s", log()).isZero();

        assertEveryImageOnDiskOnceAndBilledOnce("killed", 600);
        long second = executionOf("killed", "k1");
        assertThat(second).isGreaterThan(execution);
        // The restart ran the failed partitions and nothing else ...
        assertThat(partitions(second, "COMPLETED")).isEqualTo(failed);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM batch_step_execution WHERE job_execution_id = ? "
                                + "AND step_name LIKE 'generate-partition:%'",
                        Integer.class, second))
                .isEqualTo(failed.size());
        // ... paid only for what was missing, and adopted the images the dead worker had written without a row.
        assertThat(server.billedTotal() - billedBefore).isEqualTo(600 - rowsBefore - filesWithoutRow);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM generated_image WHERE adopted AND job_execution_id = ?",
                        Long.class,
                        second))
                .isEqualTo(filesWithoutRow);
        try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
            assertThat(all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")))
                    .isEmpty();
        }
    }

    @Test
    void sigtermToTheManagerStopsTheWorkersAndARestartCompletes() throws Exception {
        writeJob("term", 300, "");
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 60) {
                reached.countDown();
            }
            return server.success(c).withDelay(50);
        });
        ImagegenProcess manager = manager("run", "--run-id", "t1");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        manager.terminate(); // SIGTERM

        assertThat(exitOf(manager)).as("%s", log()).isEqualTo(3);
        long execution = executionOf("term", "t1");
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class, execution))
                .isEqualTo("STOPPED");
        assertThat(partitions(execution, "STOPPED")).isNotEmpty();
        // The workers finished their calls in flight and stored them: every billed image has its row.
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE dataset = 'term'", Integer.class))
                .isEqualTo(server.billedTotal())
                .isLessThan(300);

        assertThat(exitOf(manager("restart"))).as("%s", log()).isZero();
        assertEveryImageOnDiskOnceAndBilledOnce("term", 300);
    }

    @Test
    void aRestartAfterTheManagerDiedWaitsForItsWorkersSoNothingIsPaidTwice() throws Exception {
        writeJob("orphan", 300, "");
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 60) {
                server.freeze(); // the workers are in the middle of calls when their manager dies
                reached.countDown();
            }
            return server.success(c).withDelay(5);
        });
        ImagegenProcess manager = manager("run", "--run-id", "o1");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        manager.kill();
        long execution = executionOf("orphan", "o1");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM partition_claim c JOIN batch_step_execution s "
                                + "ON s.step_execution_id = c.step_execution_id WHERE c.job_execution_id = ? "
                                + "AND s.status = 'STARTED'",
                        Integer.class,
                        execution))
                .as("orphaned partitions")
                .isPositive();

        ImagegenProcess restart = manager("restart");
        // The restart asks the orphaned partitions to stop and waits for them before it sends any partition.
        await().atMost(PATIENCE)
                .until(() -> "STOPPING"
                        .equals(jdbc.queryForObject(
                                "SELECT status FROM batch_job_execution WHERE job_execution_id = ?",
                                String.class,
                                execution)));
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM batch_job_execution e JOIN batch_job_execution_params "
                                + "d ON d.job_execution_id = e.job_execution_id AND d.parameter_name = 'dataset' "
                                + "AND d.parameter_value = 'orphan'",
                        Integer.class))
                .isEqualTo(1);
        server.dropFrozen(); // the held calls fail unbilled; the workers retry them, store them, and stop

        assertThat(exitOf(restart)).as("%s", log()).isZero();
        assertEveryImageOnDiskOnceAndBilledOnce("orphan", 300);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM batch_step_execution WHERE job_execution_id = ? "
                                + "AND status IN ('STARTING', 'STARTED', 'STOPPING')",
                        Integer.class,
                        execution))
                .isZero();
    }

    @Test
    void theBudgetIsTheRunsAcrossWorkers() throws Exception {
        // $0.04 an image and $2 to spend: 50 images. A budget per worker would let three workers spend $6.
        writeJob("budget", 300, "max-cost-usd: 2.0\nchunk-size: 1");
        server.costPerImage(0.04).behaviour(c -> server.success(c).withDelay(300));

        ImagegenProcess manager = manager("run", "--run-id", "b1");

        assertThat(exitOf(manager)).as("%s", log()).isEqualTo(3);
        assertThat(log()).contains("budget reached");
        double spent =
                jdbc.queryForObject("SELECT sum(cost_usd) FROM model_call WHERE dataset = 'budget'", Double.class);
        Money.assertRecordedIsTheBill(jdbc, server, "budget");
        // Beyond the budget: at most the calls in flight, the last quarter second's calls before the workers saw
        // the total, and the rows not written yet (one per thread with chunk-size 1).
        assertThat(spent).isGreaterThanOrEqualTo(2.0).isLessThanOrEqualTo(2.0 + 40 * 0.04);
        assertThat(server.billedGenerations().values()).allMatch(n -> n == 1);
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM batch_job_execution WHERE job_execution_id = ?",
                        String.class,
                        executionOf("budget", "b1")))
                .isEqualTo("STOPPED");
    }

    @Test
    void noSecretGivenToTheManagerReachesTheDatabaseInEitherMode() throws Exception {
        TestDatabase source = TestDatabase.fresh();
        source.jdbc()
                .execute("CREATE TABLE product (sku text, description text); INSERT INTO product "
                        + "SELECT 'sku-' || n, 'a product number ' || n FROM generate_series(1, 40) n");
        String password = "pw-" + java.util.UUID.randomUUID();
        String key = "sk-or-" + java.util.UUID.randomUUID();
        for (String mode : List.of("remote", "local")) {
            Files.writeString(dir.resolve("job.yml"), """
                    dataset: secrets-%s
                    source:
                      jdbc: { url: "%s", user: postgres, query: "SELECT sku AS id, description AS prompt FROM product" }
                      id-column: id
                    model: { base-url: %s, api-key: k, seed: 3, timeout: 5s }
                    run: { workers: %s, poll-interval: 200ms, concurrency: 4, partitions: 8, chunk-size: 2 }
                    output: { dir: out-%s }
                    """.formatted(mode, source.url(), server.baseUrl(), mode, mode));
            ImagegenProcess manager = manager(
                    "run",
                    "--run-id",
                    "s1",
                    "--set",
                    "source.jdbc.password=" + password,
                    "--set",
                    "model.api-key=" + key);
            assertThat(exitOf(manager)).as("%s", log()).isZero();
        }
        assertThat(server.billedTotal()).isEqualTo(80);
        assertThat(SecretScan.tablesContaining(jdbc, password)).isEmpty();
        assertThat(SecretScan.tablesContaining(jdbc, key)).isEmpty();
        // The workers used their own key (the job file's), the local run the one it was given.
        assertThat(server.received())
                .filteredOn(c -> "Bearer k".equals(c.authorization()))
                .hasSize(40);
        assertThat(server.received())
                .filteredOn(c -> ("Bearer " + key).equals(c.authorization()))
                .hasSize(40);
    }

    @Test
    void aBaseUrlWrittenIntoTheJobRepositoryGetsNoRequestFromTheWorkers() throws Exception {
        writeJob("redirect", 20_000, "max-images: 10");
        try (FakeOpenRouter elsewhere = new FakeOpenRouter()) {
            ImagegenProcess manager = manager("run", "--run-id", "x1");
            // While the manager stages, someone who can write the job repository redirects the workers, and
            // recomputes the fingerprint to match.
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(5))
                    .ignoreExceptions()
                    .until(() -> executionOf("redirect", "x1") != null);
            long execution = executionOf("redirect", "x1");
            List<String> injected = List.of("model.base-url=" + elsewhere.baseUrl(), "model.images-per-call=1");
            JobSpec redirected = new JobSpecLoader().load(dir.resolve("job.yml"), injected);
            jdbc.update(
                    "UPDATE batch_job_execution_params SET parameter_value = ? WHERE job_execution_id = ? "
                            + "AND parameter_name = 'job.overrides'",
                    "[\"" + String.join("\",\"", injected) + "\"]",
                    execution);
            jdbc.update(
                    "UPDATE batch_job_execution_params SET parameter_value = ? WHERE job_execution_id = ? "
                            + "AND parameter_name = 'job.fingerprint'",
                    redirected.fingerprint(),
                    execution);
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM batch_step_execution WHERE job_execution_id = ? "
                                    + "AND step_name LIKE 'generate-partition:%'",
                            Integer.class, execution))
                    .as("changed before any partition was sent")
                    .isZero();

            assertThat(exitOf(manager)).as("%s", log()).isEqualTo(1);
            assertThat(elsewhere.calls())
                    .as("requests sent to the injected base-url")
                    .isZero();
            assertThat(server.calls()).isZero();
            assertThat(log()).contains("override of model.base-url");
        }
    }

    @Test
    void workersDrawFromOneRateLimitBucketPerRun() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.url());
        ds.setUser(db.user());
        ds.setPassword(db.password());
        // Two workers' views of run 4242's bucket: 2 requests per minute, one token of burst.
        Bucket one = new DatabaseRateLimit(ds, 4242).bucket(2);
        Bucket other = new DatabaseRateLimit(ds, 4242).bucket(2);
        Bucket elsewhere = new DatabaseRateLimit(ds, 4243).bucket(2);

        assertThat(one.tryConsume(1)).isTrue();
        assertThat(other.tryConsume(1))
                .as("the token is the run's, not the worker's")
                .isFalse();
        assertThat(one.tryConsume(1)).isFalse();
        assertThat(elsewhere.tryConsume(1)).as("another run has its own bucket").isTrue();
    }
}
