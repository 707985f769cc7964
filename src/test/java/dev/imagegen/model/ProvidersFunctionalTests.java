package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same jobs against each provider's wire format — OpenRouter chat completions, OpenRouter's Image API, OpenAI's
 * Images API — on a real PostgreSQL: equivalent datasets, the same failure kinds, several images per call.
 */
class ProvidersFunctionalTests extends FunctionalTest {

    /** The three wire formats, with the model each one is asked for. */
    enum Provider {
        CHAT("openrouter", "openai/gpt-5.4-image-2"),
        IMAGES("openrouter-images", "openai/gpt-5.4-image-2"),
        OPENAI("openai", "gpt-image-2");

        final String id;
        final String model;

        Provider(String id, String model) {
            this.id = id;
            this.model = model;
        }
    }

    /** OpenAI's Images API; OpenRouter's two APIs are the {@link #server}'s. */
    private FakeOpenAI openAi;

    @BeforeEach
    void startOpenAi() {
        openAi = closeAfterTest(new FakeOpenAI());
    }

    private TestJob job(Provider p, String model, String extraModelYaml) throws Exception {
        Path jobDir = Files.createDirectories(dir.resolve(p.name().toLowerCase()));
        return new TestJob(jobDir, db, """
                dataset: %s
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                model:
                  provider: %s
                  name: %s
                  base-url: %s
                  api-key: test-key-123
                  seed: 7
                  timeout: 10s
                  pricing: { input-per-million: 5, output-per-million: 40 }
                %s
                run:
                  concurrency: 4
                  chunk-size: 3
                  retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms }
                output: { dir: out }
                """.formatted(
                        p.name().toLowerCase(),
                        p.id,
                        model,
                        p == Provider.OPENAI ? openAi.baseUrl() : server.baseUrl(),
                        extraModelYaml == null ? "" : extraModelYaml.indent(2)));
    }

    private static String[] partiPrompts(int n) throws Exception {
        List<String> idAndPrompt = new ArrayList<>();
        try (InputStream in = ProvidersFunctionalTests.class.getResourceAsStream("/parti/PartiPrompts-200.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.readLine();
            for (int i = 0; i < n; i++) {
                idAndPrompt.add(String.format("p%02d", i));
                idAndPrompt.add(r.readLine().split("\t")[0]);
            }
        }
        return idAndPrompt.toArray(String[]::new);
    }

    @Test
    void fiftyPromptsMakeEquivalentDatasetsOnEveryProvider() throws Exception {
        String[] prompts = partiPrompts(50);
        Map<Provider, Set<String>> keys = new HashMap<>();
        for (Provider p : Provider.values()) {
            TestJob job = job(p, p.model, "images-per-prompt: 3").prompts(prompts);
            TestJob.Result result = job.run("run");
            assertThat(result.exitCode()).as(p + ": " + result).isZero();

            List<Map<String, Object>> rows = jdbc.queryForList(
                    "SELECT * FROM generated_image WHERE dataset = ?", p.name().toLowerCase());
            assertThat(rows).as(p.name()).hasSize(150);
            Set<String> k = new TreeSet<>();
            for (Map<String, Object> row : rows) {
                k.add(row.get("prompt_id") + "/" + row.get("variant"));
                byte[] bytes = Files.readAllBytes(job.output().resolve((String) row.get("file_path")));
                assertThat(ImageStore.sha256(bytes)).isEqualTo(row.get("sha256"));
                assertThat(ImageProbe.inspect(bytes, "image/png").width()).isEqualTo(row.get("width"));
            }
            keys.put(p, k);
            // Every image is distinct: three variants are three pictures, not one stored thrice.
            assertThat(rows.stream().map(r -> r.get("sha256")).distinct()).hasSize(150);
        }
        assertThat(keys.get(Provider.IMAGES)).isEqualTo(keys.get(Provider.CHAT));
        assertThat(keys.get(Provider.OPENAI)).isEqualTo(keys.get(Provider.CHAT));
        assertThat(keys.get(Provider.CHAT)).hasSize(150).contains("p00/0", "p00/2", "p49/1");
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT prompt FROM prompt WHERE dataset = 'openai' EXCEPT "
                                + "SELECT DISTINCT prompt FROM prompt WHERE dataset = 'chat'",
                        String.class))
                .isEmpty();

        // Chat makes one image per call; the Images APIs make a prompt's three variants in one call with n=3.
        assertThat(server.received().stream().filter(c -> c.endpoint().equals(FakeOpenRouter.CHAT)))
                .hasSize(150);
        assertThat(server.received().stream().filter(c -> c.endpoint().equals(FakeOpenRouter.IMAGES)))
                .hasSize(50)
                .allSatisfy(c -> assertThat(c.body().path("n").asInt()).isEqualTo(3));
        assertThat(openAi.received()).hasSize(50).allSatisfy(c -> {
            assertThat(c.n()).isEqualTo(3);
            assertThat(c.path()).isEqualTo("/v1/images/generations");
            assertThat(c.body().has("seed")).isFalse(); // OpenAI has no seed
        });
        assertThat(callImages("chat")).containsOnly(1);
        assertThat(callImages("images")).containsOnly(3);
        assertThat(callImages("openai")).containsOnly(3);

        // Cost: the providers' own (0.04 an image) split between a call's images; OpenAI's estimated from tokens.
        assertThat(totalCost("chat")).isCloseTo(6.0, within(1e-6));
        assertThat(totalCost("images")).isCloseTo(6.0, within(1e-6));
        double perOpenAiCall = (50 * 5 + 3 * 4160 * 40) / 1e6;
        assertThat(totalCost("openai")).isCloseTo(50 * perOpenAiCall, within(1e-5));
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT cost_estimated FROM generated_image WHERE dataset = 'openai'", Boolean.class))
                .containsExactly(true);
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT model || '|' || coalesce(provider, '-') FROM generated_image " + "ORDER BY 1",
                        String.class))
                .containsExactly(
                        "gpt-image-2|OpenAI", "openai/gpt-5.4-image-2|-", "openai/gpt-5.4-image-2|FakeProvider");
        // The rows of one call share its generation id (OpenAI: x-request-id).
        assertThat(jdbc.queryForObject(
                        "SELECT count(DISTINCT generation_id) FROM generated_image " + "WHERE dataset = 'openai'",
                        Integer.class))
                .isEqualTo(50);
    }

    @Test
    void everyProvidersErrorsMapToTheSameFailureKinds() throws Exception {
        Map<String, String> expected = Map.of(
                "mod",
                "moderation",
                "bad",
                "bad_request",
                "noimg",
                "no_image",
                "corrupt",
                "invalid_image",
                "filter",
                "moderation",
                "down",
                "transient");
        for (Provider p : Provider.values()) {
            // The provider in each prompt keeps the fake's attempt counts apart between the runs.
            String on = " on " + p;
            TestJob job = job(p, p.model, null)
                    .prompts(
                            "ok", "a calm sea" + on,
                            "mod", "[moderation] something" + on,
                            "bad", "[bad-request] something" + on,
                            "noimg", "[no-image] something" + on,
                            "corrupt", "[corrupt] something" + on,
                            "filter", "[content-filter] something" + on,
                            "down", "[down] something" + on,
                            "flaky", "[flaky] a" + on,
                            "limited", "[rate-limit] b" + on,
                            "err200", "[error-200] c" + on);

            TestJob.Result result = job.run("run");

            String dataset = p.name().toLowerCase();
            assertThat(result.exitCode()).as(p + ": " + result).isZero();
            assertThat(failureKinds(dataset)).as(p.name()).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(attempts(dataset))
                    .as(p.name())
                    .containsOnlyKeys("ok", "flaky", "limited", "err200")
                    .containsEntry("ok", 1)
                    .containsEntry("flaky", 2)
                    .containsEntry("limited", 2)
                    .containsEntry("err200", 2);
            assertThat(jdbc.queryForObject(
                            "SELECT attempts FROM prompt_failure WHERE dataset = ? AND prompt_id = " + "'down'",
                            Integer.class,
                            dataset))
                    .as(p.name())
                    .isEqualTo(3);
        }
        Map<String, Object> openAiModeration =
                jdbc.queryForMap("SELECT * FROM prompt_failure WHERE dataset = " + "'openai' AND prompt_id = 'mod'");
        assertThat(openAiModeration.get("http_status")).isEqualTo(400);
        assertThat((String) openAiModeration.get("message"))
                .contains("safety system")
                .contains("moderation_blocked");
    }

    @Test
    void aRefusedKeyOrNoCreditsStopEveryProviderWithoutSkippingAnything() throws Exception {
        for (Provider p : Provider.values()) {
            for (String mode : List.of("key", "credits")) {
                boolean key = mode.equals("key");
                server.behaviour(key ? FakeOpenRouter::unauthorized : FakeOpenRouter::noCredits);
                openAi.behaviour(key ? FakeOpenAI::unauthorized : FakeOpenAI::noCredits);
                TestJob job = job(p, p.model, null).prompts("a", "one", "b", "two", "c", "three", "d", "four");

                // Past the check (the key is fine for GETs here): the calls themselves are refused.
                TestJob.Result result = job.run("run", "--skip-check");

                assertThat(result.exitCode()).as(p + " " + mode + ": " + result).isEqualTo(3);
                assertThat(result.stdout())
                        .contains(key ? "rejected the API key" : "out of credits")
                        .doesNotContain("test-key-123");
                assertThat(failureKinds(p.name().toLowerCase())).isEmpty();
            }
        }
        // A stop is not retried: at most one call per partition and attempt of the run.
        assertThat(openAi.calls()).isLessThanOrEqualTo(8);
    }

    @Test
    void theImagesApiAsksForTheMissingVariantsInAsFewCallsAsTheModelAllows() throws Exception {
        server.maxImagesPerResponse(3); // providers may return fewer than n
        TestJob job = job(Provider.IMAGES, Provider.IMAGES.model, "images-per-prompt: 4")
                .prompts("a", "a red fox", "b", "a blue whale");

        assertThat(job.run("run", "--run-id", "r1").exitCode()).isZero();

        // n=4 brought 3; the one still missing came with a second call, n left out, the seed of its variant.
        List<FakeOpenRouter.Call> calls = server.received();
        assertThat(calls).hasSize(4);
        assertThat(calls.stream().filter(c -> c.prompt().equals("a red fox")).map(c -> c.n() + "@" + c.seed()))
                .containsExactly("4@7", "1@10");
        assertThat(jdbc.queryForList(
                        "SELECT variant || ':' || call_index || '/' || call_images || '@' || seed "
                                + "FROM generated_image WHERE prompt_id = 'a' ORDER BY variant",
                        String.class))
                .containsExactly("0:0/3@7", "1:1/3@7", "2:2/3@7", "3:0/1@10");

        // Lose one variant (row and file): the next run asks for exactly that one.
        String file = jdbc.queryForObject(
                "SELECT file_path FROM generated_image WHERE prompt_id = 'b' AND " + "variant = 1", String.class);
        Files.delete(job.output().resolve(file));
        jdbc.update("DELETE FROM generated_image WHERE prompt_id = 'b' AND variant = 1");
        assertThat(job.run("run", "--run-id", "r2").exitCode()).isZero();
        assertThat(server.received()).hasSize(5);
        FakeOpenRouter.Call last = server.received().get(4);
        assertThat(last.prompt()).isEqualTo("a blue whale");
        assertThat(last.body().has("n")).isFalse();
        assertThat(last.seed()).isEqualTo(8L);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(8);
    }

    @Test
    void aModelWithoutNIsAskedOneImagePerCallAsTheCheckFoundOut() throws Exception {
        TestJob job = job(Provider.IMAGES, "black-forest-labs/flux.2-pro", "images-per-prompt: 3")
                .prompts("a", "a red fox");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(server.received())
                .hasSize(3)
                .allSatisfy(c -> assertThat(c.body().has("n")).isFalse());
        assertThat(failureKinds("images")).isEmpty();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(3);
    }

    @Test
    void fallbackModelsAndRoutingAreSentAndTheModelThatAnsweredIsRecorded() throws Exception {
        TestJob job = job(Provider.CHAT, Provider.CHAT.model, """
                fallback-models: [google/gemini-3-pro-image-preview]
                provider-routing: { order: [fake-provider], allow_fallbacks: false }""")
                .prompts("fb", "[fallback] a red fox", "plain", "a calm sea");

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForList(
                        "SELECT prompt_id || '|' || model || '|' || provider FROM generated_image "
                                + "ORDER BY prompt_id",
                        String.class))
                .containsExactly(
                        "fb|google/gemini-3-pro-image-preview|FallbackProvider",
                        "plain|openai/gpt-5.4-image-2|FakeProvider");
        assertThat(server.received()).allSatisfy(c -> {
            assertThat(c.body().path("models").toString())
                    .isEqualTo("[\"openai/gpt-5.4-image-2\",\"google/gemini-3-pro-image-preview\"]");
            assertThat(c.body().path("provider").toString())
                    .isEqualTo("{\"order\":[\"fake-provider\"],\"allow_fallbacks\":false}");
        });
    }

    private List<Integer> callImages(String dataset) {
        return jdbc.queryForList(
                "SELECT DISTINCT call_images FROM generated_image WHERE dataset = ?", Integer.class, dataset);
    }

    private double totalCost(String dataset) {
        return jdbc.queryForObject(
                "SELECT sum(cost_usd) FROM generated_image WHERE dataset = ?", Double.class, dataset);
    }

    private Map<String, String> failureKinds(String dataset) {
        return jdbc.query(
                "SELECT prompt_id, kind FROM prompt_failure WHERE dataset = ? AND resolved_at IS NULL",
                rs -> {
                    Map<String, String> m = new HashMap<>();
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getString(2));
                    }
                    return m;
                },
                dataset);
    }

    private Map<String, Integer> attempts(String dataset) {
        return jdbc.query(
                "SELECT prompt_id, attempts FROM generated_image WHERE dataset = ?",
                rs -> {
                    Map<String, Integer> m = new HashMap<>();
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getInt(2));
                    }
                    return m;
                },
                dataset);
    }
}
