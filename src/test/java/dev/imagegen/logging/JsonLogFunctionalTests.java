package dev.imagegen.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --log-format json} and {@code IMAGEGEN_LOG_FORMAT=json}: the standard error of a real run (in a child JVM,
 * whose logging is its own) parsed line by line.
 */
class JsonLogFunctionalTests extends FunctionalTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "sk-or-v1-json-log-secret-0123456789abcdef";

    /** Six prompts whose first attempts fail (a retry each) and whose answers take a moment; at most three images. */
    private TestJob job() throws Exception {
        server.requireKey(KEY);
        server.behaviour(call -> call.attempt() == 1
                ? FakeOpenRouter.Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"No available provider\"}}")
                : server.success(call).withDelay(300));
        TestJob job = TestJob.openRouter(dir, db, server, "max-images: 3")
                .prompts("a", "one", "b", "two", "c", "three", "d", "four", "e", "five", "f", "six");
        return job.yaml(job.yaml().replace("api-key: test-key-123", "api-key: \"${TEST_OPENROUTER_KEY}\""));
    }

    private Map<String, String> env(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("TEST_OPENROUTER_KEY", KEY));
        env.putAll(more);
        return env;
    }

    /** Every line of standard error is one JSON object; returns them. */
    private static List<JsonNode> jsonLines(String stderr) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            lines.add(node);
        }
        return lines;
    }

    @Test
    void everyLineOfARunIsJsonWithItsRunAndNeverTheKey() throws Exception {
        Files.writeString(dir.resolve("job.yml"), job().yaml());
        // DEBUG for the model's retries: lines from the partitions' threads.
        TestJob.Result result = imagegen()
                .log("json")
                .env(env(Map.of("LOGGING_LEVEL_DEV_IMAGEGEN_MODEL", "DEBUG")))
                .start(
                        "run",
                        dir.resolve("job.yml").toString(),
                        "--run-id",
                        "j1",
                        "--log-format",
                        "json",
                        "--progress",
                        "log",
                        "--progress-interval",
                        "100ms",
                        "--skip-check")
                .await();

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(3); // max-images: stopped, restartable
        long execution = jdbc.queryForObject("SELECT max(job_execution_id) FROM batch_job_execution", Long.class);
        List<JsonNode> lines = jsonLines(result.stderr());
        // Logs of the run (progress, the skipped prompt) and what the command prints (the restart hint) alike.
        assertThat(lines)
                .extracting(l -> l.path("message").asString())
                .anyMatch(m -> m.startsWith("progress: "))
                .anyMatch(m -> m.startsWith("imagegen: restart with: imagegen run"));
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.path("@timestamp").isString()).as(l.toString()).isTrue();
            assertThat(l.path("level").asString()).as(l.toString()).isNotEmpty();
            assertThat(l.path("dataset").asString()).as(l.toString()).isEqualTo("test");
        });
        // Once the run exists, its id and execution are on every line.
        List<JsonNode> ofRun = lines.stream().filter(l -> l.has("run_id")).toList();
        assertThat(ofRun).isNotEmpty().allSatisfy(l -> {
            assertThat(l.path("run_id").asString()).isEqualTo("j1");
            assertThat(l.path("execution_id").asLong()).isEqualTo(execution);
        });
        assertThat(lines.subList(lines.indexOf(ofRun.get(0)), lines.size())).containsExactlyElementsOf(ofRun);
        // Threads of the run's own (the partitions, with the run in their MDC) and the progress timer alike.
        assertThat(ofRun)
                .extracting(l -> l.path("thread_name").asString())
                .anyMatch(t -> t.startsWith("generate-"))
                .anyMatch(t -> t.equals("imagegen-progress"));
        assertThat(ofRun).anyMatch(l -> l.path("message").asString().contains("retrying"));
        assertThat(result.stderr() + result.stdout()).doesNotContain(KEY);
        // Standard output is still the summary for people.
        assertThat(result.stdout()).contains("imagegen: dataset test, run j1 (execution " + execution + "): STOPPED");
    }

    @Test
    void theEnvironmentVariableSetsTheFormatAndABadFormatIsAUsageError() throws Exception {
        Files.writeString(dir.resolve("job.yml"), job().yaml().replace("max-images: 3", "max-images: 100"));
        TestJob.Result result = imagegen()
                .log("env")
                .env(env(Map.of("IMAGEGEN_LOG_FORMAT", "json")))
                .start("run", dir.resolve("job.yml").toString(), "--run-id", "j2", "--progress", "log", "--skip-check")
                .await();

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jsonLines(result.stderr()))
                .isNotEmpty()
                .allSatisfy(l ->
                        assertThat(l.path("run_id").asString()).as(l.toString()).isIn("j2", ""));

        TestJob.Result bad = new TestJob(dir, db, "").invoke("status", "--log-format", "xml");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--log-format").contains("'xml' is not a log format; use text or json");
    }
}
