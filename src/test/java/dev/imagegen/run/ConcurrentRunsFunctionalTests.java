package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Two runs of one dataset at once: the second is refused (exit 4) and the first is not disturbed. */
class ConcurrentRunsFunctionalTests extends FunctionalTest {

    @Test
    void aRunWhileAnotherHoldsTheDatasetIsRefusedWithExitCode4AndTouchesNothing() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two");
        try (DatasetLock first =
                DatasetLock.tryAcquire(ImagegenDatabase.external(db.url(), db.user(), db.password()), "test")) {
            assertThat(first).isNotNull();

            TestJob.Result second = job.run("run", "--run-date", "2025-06-01");

            assertThat(second.exitCode()).isEqualTo(4);
            assertThat(second.stderr()).contains("another run of dataset 'test' is in progress");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Integer.class))
                    .isZero();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt", Integer.class))
                    .isZero();
            assertThat(server.calls()).isZero();
        }

        TestJob.Result afterwards = job.run("run", "--run-date", "2025-06-01");
        assertThat(afterwards.exitCode()).as(afterwards.toString()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(2);
    }

    /**
     * Three processes on one embedded database (no IMAGEGEN_DB_URL): run A starts the server; run B of the same
     * dataset joins it and is refused; run C of another dataset joins it and keeps working after A, which started the
     * server, has exited; the server stops when C, the last user, leaves.
     */
    @Test
    void processesShareTheEmbeddedDatabaseAndTheStarterLeavingDoesNotBreakTheOthers() throws Exception {
        Map<String, CountDownLatch> entered =
                new ConcurrentHashMap<>(Map.of("alpha", new CountDownLatch(1), "gamma", new CountDownLatch(1)));
        Map<String, CountDownLatch> release =
                new ConcurrentHashMap<>(Map.of("alpha", new CountDownLatch(1), "gamma", new CountDownLatch(1)));
        server.behaviour(call -> {
            for (String name : entered.keySet()) {
                if (call.prompt().contains("[hold-" + name + "]")) {
                    entered.get(name).countDown();
                    await(release.get(name));
                }
            }
            return server.success(call);
        });
        Path alpha = jobFile("alpha", "a1,[hold-alpha] one\na2,two\na3,three\n");
        Path gamma = jobFile("gamma", "g1,[hold-gamma] one\ng2,two\n");
        Path home = dir.resolve("home");

        ImagegenProcess a = imagegen().home(home).log("a").start("run", alpha.toString(), "--run-id", "r1");
        assertThat(entered.get("alpha").await(2, TimeUnit.MINUTES))
                .as("run A reached the model")
                .isTrue();

        TestJob.Result b = imagegen()
                .home(home)
                .log("b")
                .start("run", alpha.toString(), "--run-id", "r2")
                .await();
        assertThat(b.exitCode()).as(b.toString()).isEqualTo(4);
        assertThat(b.stderr()).contains("another run of dataset 'alpha' is in progress");

        ImagegenProcess c = imagegen().home(home).log("c").start("run", gamma.toString(), "--run-id", "r1");
        assertThat(entered.get("gamma").await(2, TimeUnit.MINUTES))
                .as("run C reached the model")
                .isTrue();

        release.get("alpha").countDown();
        TestJob.Result aResult = a.await();
        assertThat(aResult.exitCode()).as(aResult.toString()).isZero();
        assertThat(aResult.stdout()).contains("images written  3");

        release.get("gamma").countDown();
        TestJob.Result cResult = c.await();
        assertThat(cResult.exitCode()).as(cResult.toString()).isZero();
        assertThat(cResult.stdout()).contains("images written  2");
        assertThat(pngs(dir.resolve("out-alpha"))).isEqualTo(3);
        assertThat(pngs(dir.resolve("out-gamma"))).isEqualTo(2);

        Path pid = dir.resolve("home/pgdata/postmaster.pid");
        assertThat(Files.exists(pid))
                .as("the last process out stopped the server")
                .isFalse();
    }

    private Path jobFile(String dataset, String prompts) throws Exception {
        Files.writeString(dir.resolve(dataset + ".csv"), "id,prompt\n" + prompts);
        Path file = dir.resolve(dataset + ".yml");
        Files.writeString(file, """
                dataset: %s
                source: { csv: %s.csv, id-column: id }
                model: { base-url: %s, api-key: k, timeout: 150s }
                run: { concurrency: 2 }
                output: { dir: out-%s }
                """.formatted(dataset, dataset, server.baseUrl(), dataset));
        return file;
    }

    private static long pngs(Path out) throws Exception {
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(p -> p.toString().endsWith(".png")).count();
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
