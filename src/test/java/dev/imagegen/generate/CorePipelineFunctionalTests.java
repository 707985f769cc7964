package dev.imagegen.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.model.ImageProbe;
import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The whole job on a real PostgreSQL against the fake OpenRouter: files, rows and exit codes. */
class CorePipelineFunctionalTests extends FunctionalTest {

    @Test
    void twoHundredRealPromptsBecomeTwoHundredValidImagesWithMatchingRows() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/parti/PartiPrompts-200.tsv")) {
            Files.write(dir.resolve("parti.tsv"), in.readAllBytes());
        }
        server.imageBytes(4096).costPerImage(0.0375);
        TestJob job = new TestJob(dir, db, """
                dataset: parti
                source: { csv: parti.tsv, prompt-column: Prompt }
                model: { base-url: %s, api-key: k, prompt-template: "{prompt}", seed: 1 }
                run: { concurrency: 6, chunk-size: 4 }
                output: { dir: out }
                """.formatted(server.baseUrl()));

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt WHERE dataset = 'parti'", Integer.class))
                .isEqualTo(200);
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM generated_image WHERE dataset = 'parti'");
        assertThat(rows).hasSize(200);
        for (Map<String, Object> row : rows) {
            Path file = job.output().resolve((String) row.get("file_path"));
            byte[] bytes = Files.readAllBytes(file);
            assertThat(ImageStore.sha256(bytes)).isEqualTo(row.get("sha256"));
            assertThat(((Number) row.get("bytes")).longValue()).isEqualTo(bytes.length);
            var info = ImageProbe.inspect(bytes, "image/png");
            assertThat(row.get("width")).isEqualTo(info.width());
            assertThat(row.get("height")).isEqualTo(info.height());
            assertThat(((Number) row.get("cost_usd")).doubleValue()).isEqualTo(0.0375);
            assertThat(row.get("generation_id")).asString().startsWith("gen-");
            assertThat(row.get("provider")).isEqualTo("FakeProvider");
            assertThat(file.normalize()).startsWith(job.output());
        }
        // The prompt text reached the server exactly as written (quotes, non-ASCII), once per prompt.
        assertThat(server.billedGenerations())
                .hasSize(200)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(server.received()).anySatisfy(c -> assertThat(c.prompt()).contains("\"Fly an airplane\""));
        assertThat(server.received()).anySatisfy(c -> assertThat(c.prompt()).contains("Dalí"));
    }

    @Test
    void refusedPromptsAreSkippedWithTheirKindAndTheRestComplete() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts(
                        "ok1", "a calm sea",
                        "mod", "[moderation] something",
                        "bad", "[bad-request] something",
                        "noimg", "[no-image] something",
                        "corrupt", "[corrupt] something",
                        "filter", "[content-filter] something",
                        "ok2", "a quiet forest");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(imagesById()).containsOnlyKeys("ok1", "ok2");
        assertThat(failureKinds())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "mod",
                        "moderation",
                        "bad",
                        "bad_request",
                        "noimg",
                        "no_image",
                        "corrupt",
                        "invalid_image",
                        "filter",
                        "moderation"));
        Map<String, Object> mod = jdbc.queryForMap("SELECT * FROM prompt_failure WHERE prompt_id = 'mod'");
        assertThat(mod.get("http_status")).isEqualTo(403);
        assertThat((String) mod.get("message"))
                .contains("flagged by moderation")
                .contains("violence");
        assertThat(((Number) jdbc.queryForObject(
                                "SELECT cost_usd FROM prompt_failure WHERE prompt_id = 'noimg'", Number.class))
                        .doubleValue())
                .isEqualTo(0.0005);
    }

    @Test
    void transientFailuresAreRetriedUntilTheySucceed() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts("flaky", "[flaky] a", "limited", "[rate-limit] b", "err200", "[error-200] c", "plain", "d");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(imagesById()).containsOnlyKeys("flaky", "limited", "err200", "plain");
        assertThat(failureKinds()).isEmpty();
        Map<String, Integer> attempts = jdbc.query("SELECT prompt_id, attempts FROM generated_image", rs -> {
            Map<String, Integer> m = new java.util.HashMap<>();
            while (rs.next()) {
                m.put(rs.getString(1), rs.getInt(2));
            }
            return m;
        });
        assertThat(attempts)
                .containsEntry("flaky", 2)
                .containsEntry("limited", 2)
                .containsEntry("err200", 2)
                .containsEntry("plain", 1);
    }

    @Test
    void retriesRunOutIntoATransientSkip() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("down", "[down] a", "up", "b");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(failureKinds()).containsExactlyEntriesOf(Map.of("down", "transient"));
        assertThat(jdbc.queryForObject("SELECT attempts FROM prompt_failure", Integer.class))
                .isEqualTo(3);
    }

    @Test
    void aWrongKeyStopsTheRunWithoutSkippingAnything() throws Exception {
        server.behaviour(FakeOpenRouter::unauthorized);
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two", "c", "three");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
        assertThat(result.stdout()).contains("API key").doesNotContain("test-key-123");
        assertThat(failureKinds()).isEmpty();
        assertThat(imagesById()).isEmpty();
        assertThat(server.calls()).isLessThanOrEqualTo(4); // one per partition at most, then the run stops
    }

    @Test
    void noCreditsStopsTheRunAndARestartCompletesIt() throws Exception {
        server.behaviour(FakeOpenRouter::noCredits);
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two", "c", "three");

        TestJob.Result stopped = job.run("run", "--run-id", "night-1");
        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(3);
        assertThat(stopped.stdout()).contains("out of credits");
        assertThat(failureKinds()).isEmpty();

        server.behaviour(server::markers);
        TestJob.Result restarted = job.run("run", "--run-id", "night-1");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(imagesById()).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void aSecondRunSendsNothingAndAChangedModelSettingRegenerates() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two");
        assertThat(job.run("run", "--run-id", "r1").exitCode()).isZero();
        long calls = server.calls();

        TestJob.Result again = job.run("run", "--run-id", "r2");
        assertThat(again.exitCode()).isZero();
        assertThat(server.calls()).isEqualTo(calls);

        TestJob.Result sameRun = job.run("run", "--run-id", "r1");
        assertThat(sameRun.exitCode()).isZero();
        assertThat(sameRun.stderr()).contains("already completed");

        TestJob.Result reseeded = job.run("run", "--run-id", "r3", "--set", "model.seed=8");
        assertThat(reseeded.exitCode()).isZero();
        assertThat(server.calls()).isEqualTo(calls + 2);
        assertThat(jdbc.queryForList("SELECT seed FROM generated_image", Long.class))
                .containsOnly(8L);
    }

    @Test
    void hostileIdsNeverLeaveTheOutputDirectory() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts(
                        "../../etc/x", "one", "CON", "two", "a".repeat(300), "three", "..", "four", "sp ace/é", "five");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> paths = jdbc.queryForList("SELECT file_path FROM generated_image", String.class);
        assertThat(paths).hasSize(5);
        for (String p : paths) {
            Path file = job.output().resolve(p).normalize();
            assertThat(file).startsWith(job.output()).exists();
            assertThat(file.getFileName().toString().length()).isLessThan(120);
        }
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile)
                            .filter(p -> !p.startsWith(job.output()))
                            .map(p -> dir.relativize(p).toString()))
                    .containsExactlyInAnyOrder("job.yml", "prompts.csv");
        }
    }

    @Test
    void withoutAKeyRunRefusesAndDryRunNeedsNoneAndCostsNothing() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two");
        job.yaml(job.yaml().replace("api-key: test-key-123", "api-key: \"${IMAGEGEN_TEST_UNSET_KEY}\""));

        TestJob.Result noKey = job.run("run");
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.stderr()).contains("model.api-key").contains("--dry-run");
        assertThat(server.calls()).isZero();

        TestJob.Result dry = job.run("run", "--dry-run");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(imagesById()).containsOnlyKeys("a", "b");
        assertThat(jdbc.queryForList("SELECT DISTINCT model FROM generated_image", String.class))
                .containsExactly("placeholder");
        assertThat(server.calls()).isZero();
    }

    @Test
    void callsInFlightHoldNoDatabaseConnection() throws Exception {
        // 24 calls must be in flight at once although the pool has only 10 connections.
        int concurrency = 24;
        java.util.concurrent.CountDownLatch allIn = new java.util.concurrent.CountDownLatch(concurrency);
        server.behaviour(c -> {
            allIn.countDown();
            try {
                allIn.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return server.success(c);
        });
        // Enough prompts that no hash partition is empty.
        String[] rows = new String[concurrency * 40];
        for (int i = 0; i < concurrency * 20; i++) {
            rows[2 * i] = "c" + i;
            rows[2 * i + 1] = "connection test " + i;
        }
        TestJob job = TestJob.openRouter(
                        dir, db, server, "concurrency: " + concurrency + "\npartitions: " + concurrency)
                .prompts(rows);

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(server.maxInFlight()).isEqualTo(concurrency);
        assertThat(allIn.getCount()).isZero();
    }

    private Map<String, String> imagesById() {
        return jdbc.query("SELECT prompt_id, file_path FROM generated_image", rs -> {
            Map<String, String> m = new java.util.HashMap<>();
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
            return m;
        });
    }

    private Map<String, String> failureKinds() {
        return jdbc.query("SELECT prompt_id, kind FROM prompt_failure WHERE resolved_at IS NULL", rs -> {
            Map<String, String> m = new java.util.HashMap<>();
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
            return m;
        });
    }
}
