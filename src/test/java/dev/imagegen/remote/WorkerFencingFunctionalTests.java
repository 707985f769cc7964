package dev.imagegen.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.PromptFiles;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A worker that stalls (here {@code kill -STOP}) past its lease has its partition failed by the manager; a restart
 * hands the partition to another worker; then the first one resumes. It must not call the model again or commit for
 * that partition: it is fenced by its lost lease, and it joins again as a new worker. Each worker has its own key,
 * so the fake provider tells who calls.
 */
class WorkerFencingFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int PROMPTS = 60;

    /** A child with its own key (killed after the test, stopped or not). */
    private ImagegenProcess child(String log, String key, String... args) throws Exception {
        return imagegen().log(log).env("FENCE_TEST_KEY", key).start(args);
    }

    private ImagegenProcess worker(String name) throws Exception {
        return child(
                name,
                "key-" + name,
                "worker",
                "--name",
                name,
                "--concurrency",
                "1",
                "--lease",
                "2s",
                "--poll",
                "200ms");
    }

    private ImagegenProcess manager(String command, String... args) throws Exception {
        List<String> argv =
                new ArrayList<>(List.of(command, dir.resolve("job.yml").toString()));
        argv.addAll(List.of(args));
        return child("manager", "key-manager", argv.toArray(String[]::new));
    }

    private int exitOf(ImagegenProcess p) throws Exception {
        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("process ended")
                .isTrue();
        return p.exitValue();
    }

    private String logs() throws Exception {
        StringBuilder all = new StringBuilder();
        for (String name : List.of("manager", "a", "b")) {
            all.append("--- ")
                    .append(name)
                    .append('\n')
                    .append(imagegen().log(name).output());
        }
        return all.toString();
    }

    private long callsWith(String key) {
        return server.received().stream()
                .filter(c -> ("Bearer " + key).equals(c.authorization()))
                .count();
    }

    private int count(String sql, Object... args) {
        Integer n = jdbc.queryForObject(sql, Integer.class, args);
        return n == null ? 0 : n;
    }

    @Test
    void aWorkerThatResumesAfterItsLeaseRanOutNeitherCallsNorCommitsForItsOldPartition() throws Exception {
        PromptFiles.numbered(dir.resolve("prompts.csv"), PROMPTS, "fenced picture number");
        Files.writeString(dir.resolve("job.yml"), """
                dataset: fenced
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: "${FENCE_TEST_KEY}", seed: 3, timeout: 5s }
                run:
                  workers: remote
                  poll-interval: 200ms
                  partitions: 2
                  chunk-size: 1
                  retry: { max-attempts: 4, initial-delay: 10ms, max-delay: 50ms }
                output: { dir: out }
                """.formatted(server.baseUrl()));
        ImagegenProcess a = worker("a");
        worker("b");
        await().atMost(PATIENCE).ignoreExceptions().until(() -> count("SELECT count(*) FROM remote_worker") == 2);
        AtomicInteger callsOfA = new AtomicInteger();
        CountDownLatch aInACall = new CountDownLatch(1);
        CountDownLatch aStopped = new CountDownLatch(1);
        server.behaviour(c -> {
            if ("Bearer key-a".equals(c.authorization()) && callsOfA.incrementAndGet() == 3) {
                // A's third call: answered (unbilled, 503) only once A is stopped, so A stalls in the middle of it.
                aInACall.countDown();
                try {
                    aStopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return FakeOpenRouter.Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"busy\"}}");
            }
            return server.success(c).withDelay(100);
        });

        ImagegenProcess first = manager("run", "--run-id", "f1");
        assertThat(aInACall.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("A made three calls")
                .isTrue();
        a.signal("STOP");
        aStopped.countDown();

        // A's lease runs out: the manager fails its partition; B completes the other one.
        assertThat(exitOf(first)).as("%s", logs()).isEqualTo(1);
        // The restart hands A's partition to B, the only worker that can take it.
        ImagegenProcess restart = manager("restart");
        await().atMost(PATIENCE).until(() -> count("""
                SELECT count(*) FROM generated_image g JOIN batch_job_execution e USING (job_execution_id)
                 WHERE e.job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution)
                   AND e.job_execution_id > 1""") > 0);
        long aCallsBeforeResuming = callsWith("key-a");
        a.signal("CONT");

        assertThat(exitOf(restart)).as("%s", logs()).isZero();
        // A comes back: it must find its lease lost and join again under a new id (or, unfenced, it calls again).
        await().atMost(PATIENCE)
                .until(() -> callsWith("key-a") > aCallsBeforeResuming
                        || count("SELECT count(*) FROM remote_worker WHERE pid = ? AND stopped_at IS NULL", a.pid()) > 0
                                && count(
                                                "SELECT count(*) FROM remote_worker WHERE pid = ? AND stopped_at IS NOT NULL",
                                                a.pid())
                                        > 0);
        assertThat(callsWith("key-a"))
                .as("calls A made after it resumed\n%s", logs())
                .isEqualTo(aCallsBeforeResuming);
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(PROMPTS);
        assertThat(server.billedGenerations())
                .hasSize(PROMPTS)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        // Nothing A wrote after its lease ran out: its rows all belong to the first execution.
        assertThat(count("SELECT count(*) FROM generated_image g JOIN partition_claim c ON c.job_execution_id = "
                        + "g.job_execution_id WHERE g.job_execution_id > 1 AND c.worker_id LIKE 'a-%'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM remote_worker WHERE pid = ? AND stopped_at IS NULL", a.pid()))
                .as("A joined again under a new id")
                .isEqualTo(1);
    }
}
