package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.PromptFiles;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The dataset lock lives on one database connection. When the server drops that connection mid-run (a restart, an
 * idle timeout, {@code pg_terminate_backend}), the lock is gone and another run of the dataset can start: the run
 * that held it must notice and stop before the two pay for the same prompts.
 */
class LostLockFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int PROMPTS = 800;

    @Test
    void aRunWhoseLockConnectionIsCutStopsAndTheRunThatTakesOverPaysForNothingTwice() throws Exception {
        PromptFiles.numbered(dir.resolve("prompts.csv"), PROMPTS, "a picture of thing number");
        // One partition per thread: the run that takes over starts on the very partitions the first one is in.
        Files.writeString(dir.resolve("job.yml"), """
                dataset: locklost
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: k, seed: 3, timeout: 30s }
                run: { concurrency: 4, partitions: 4, chunk-size: 2 }
                output: { dir: out }
                """.formatted(server.baseUrl()));
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch reached = new CountDownLatch(1);
        server.behaviour(c -> {
            if (seen.incrementAndGet() == 20) {
                reached.countDown();
            }
            return server.success(c).withDelay(100);
        });
        String job = dir.resolve("job.yml").toString();
        ImagegenProcess first = imagegen().log("first").start("run", job, "--run-id", "r1");
        assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(jdbc.queryForList(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                + "WHERE application_name = 'imagegen lock locklost'",
                        Boolean.class))
                .containsExactly(true);
        // Another run of the dataset (a user, or a scheduler's next slot): the lock is free, so it starts.
        ImagegenProcess second = imagegen().log("second").start("run", job, "--run-id", "r2");

        assertThat(first.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(second.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(server.billedGenerations())
                .hasSize(PROMPTS)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(first.exitValue()).as(first.log()).isEqualTo(3);
        assertThat(first.log()).contains("lock of dataset 'locklost' was lost");
        assertThat(second.exitValue()).as(second.log()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(PROMPTS);
    }
}
