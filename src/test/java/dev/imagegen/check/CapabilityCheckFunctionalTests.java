package dev.imagegen.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code imagegen check} and the check at the start of {@code run}, offline against the fake servers: a wrong key,
 * an unknown model and an unsupported option are caught before any image is paid for.
 */
class CapabilityCheckFunctionalTests extends FunctionalTest {

    /** One database for the tests of this class (each test that runs has a dataset of its own). */
    private static TestDatabase shared;

    /** OpenAI's API; OpenRouter's are the {@link #server}'s. */
    private FakeOpenAI openAi;

    @BeforeAll
    static void sharedDatabase() {
        shared = TestDatabase.fresh();
    }

    @Override
    protected TestDatabase database() {
        return shared;
    }

    @BeforeEach
    void serversAndPrompts() throws Exception {
        server.requireKey("right-key");
        openAi = closeAfterTest(new FakeOpenAI().requireKey("right-key"));
        Files.writeString(dir.resolve("prompts.csv"), "id,prompt,refs\na,a red fox,\n");
    }

    private TestJob job(String provider, String model, String key, String extraModelYaml) {
        String base = provider.equals("openai") ? openAi.baseUrl() : server.baseUrl();
        return new TestJob(dir, db, """
                dataset: checked
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                model:
                  provider: %s
                  name: %s
                  base-url: %s
                  api-key: %s
                %s
                output: { dir: out }
                """.formatted(
                        provider, model, base, key, extraModelYaml == null ? "" : extraModelYaml.indent(2)));
    }

    /** A job of its own dataset, for tests that run (the database is shared by the tests of this class). */
    private TestJob runJob(String dataset, String provider, String model, String extraModelYaml) {
        TestJob job = job(provider, model, "right-key", extraModelYaml);
        return job.yaml(job.yaml().replace("dataset: checked", "dataset: " + dataset));
    }

    @Test
    void aGoodOpenRouterJobIsReadyAfterTwoGetsAndNoGeneration() throws Exception {
        int before = server.metadataRequests().size();
        long calls = server.calls();
        TestJob.Result r = job("openrouter", "openai/gpt-5.4-image-2", "right-key", "seed: 7")
                .run("check");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout())
                .contains("ok", "model.api-key: accepted", "'openai/gpt-5.4-image-2' makes images", "result: ready");
        assertThat(server.metadataRequests()
                        .subList(before, server.metadataRequests().size()))
                .containsExactly("GET /api/v1/key", "GET /api/v1/models?output_modalities=image");
        assertThat(server.calls()).isEqualTo(calls);
    }

    @Test
    void aWrongKeyIsExit3AndTheKeyIsNeverPrinted() throws Exception {
        for (String provider : new String[] {"openrouter", "openrouter-images", "openai"}) {
            String model = provider.equals("openai") ? "gpt-image-2" : "openai/gpt-5.4-image-2";
            TestJob.Result r = job(provider, model, "wrong-key-456", null).run("check");

            assertThat(r.exitCode()).as(provider + ": " + r).isEqualTo(3);
            assertThat(r.stdout()).contains("refused the key").doesNotContain("wrong-key-456");
        }
    }

    @Test
    void aKeyWithoutCreditLeftIsExit3() throws Exception {
        server.keyLimitRemaining(0.0);
        try {
            TestJob.Result r = job("openrouter", "openai/gpt-5.4-image-2", "right-key", null)
                    .run("check");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            assertThat(r.stdout()).contains("credit limit is used up");
        } finally {
            server.keyLimitRemaining(null);
        }
    }

    @Test
    void anUnknownModelIsExit2WithTheNearestNames() throws Exception {
        TestJob.Result chat =
                job("openrouter", "openai/gpt-5.4-image", "right-key", null).run("check");
        assertThat(chat.exitCode()).as(chat.toString()).isEqualTo(2);
        assertThat(chat.stdout())
                .contains("model.name: 'openai/gpt-5.4-image' is not one of OpenRouter's " + "image-output models")
                .contains("the nearest are openai/gpt-5.4-image-2");

        // A text model exists, but makes no images: not in the image catalogue.
        TestJob.Result text =
                job("openrouter", "openai/gpt-4o", "right-key", null).run("check");
        assertThat(text.exitCode()).isEqualTo(2);

        TestJob.Result images = job("openrouter-images", "bytedance-seed/seedream-5", "right-key", null)
                .run("check");
        assertThat(images.exitCode()).isEqualTo(2);
        assertThat(images.stdout()).contains("Image API models").contains("bytedance-seed/seedream-4.5");

        TestJob.Result openai = job("openai", "gpt-image-3", "right-key", null).run("check");
        assertThat(openai.exitCode()).as(openai.toString()).isEqualTo(2);
        assertThat(openai.stdout()).contains("OpenAI has no model 'gpt-image-3'");

        TestJob.Result fallback = job(
                        "openrouter", "openai/gpt-5.4-image-2", "right-key", "fallback-models: [google/gemini-9-image]")
                .run("check");
        assertThat(fallback.exitCode()).isEqualTo(2);
        assertThat(fallback.stdout()).contains("model.fallback-models[0]: 'google/gemini-9-image' is not one of");
    }

    @Test
    void unsupportedOptionsAreExit2AndHarmlessOnesOnlyWarn() throws Exception {
        TestJob.Result value = job(
                        "openrouter-images",
                        "openai/gpt-5.4-image-2",
                        "right-key",
                        "image-config: { quality: ultra, aspect_ratio: \"16:9\" }")
                .run("check");
        assertThat(value.exitCode()).as(value.toString()).isEqualTo(2);
        assertThat(value.stdout())
                .contains(
                        "model.image-config.quality: 'ultra' is not allowed; use one of " + "[auto, high, low, medium]")
                .doesNotContain("model.image-config.aspect_ratio");

        TestJob.Result option = job(
                        "openrouter-images",
                        "black-forest-labs/flux.2-pro",
                        "right-key",
                        "image-config: { background: transparent }")
                .run("check");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.stdout()).contains("does not take 'background'");

        TestJob.Result references = job("openrouter", "black-forest-labs/flux.2-pro", "right-key", null)
                .yaml(job("openrouter", "black-forest-labs/flux.2-pro", "right-key", null)
                        .yaml()
                        .replace("prompt-column: prompt }", "prompt-column: prompt, reference-column: refs }"))
                .run("check");
        assertThat(references.exitCode()).isEqualTo(2);
        assertThat(references.stdout())
                .contains("source.reference-column: 'black-forest-labs/flux.2-pro' takes no " + "image input");

        TestJob.Result openai = job("openai", "gpt-image-2", "right-key", "image-config: { aspect_ratio: \"16:9\" }")
                .run("check");
        assertThat(openai.exitCode()).isEqualTo(2);
        assertThat(openai.stdout())
                .contains("model.image-config.aspect_ratio: not an option of OpenAI's Images API")
                .contains("size: 1536x1024");

        // The model ignores seed: a warning, not a problem.
        TestJob.Result seed = job("openrouter", "google/gemini-2.5-flash-image", "right-key", "seed: 3")
                .run("check");
        assertThat(seed.exitCode()).as(seed.toString()).isZero();
        assertThat(seed.stdout()).contains("warn", "model.seed");
    }

    @Test
    void runChecksFirstAndSpendsNothingOnAProblem() throws Exception {
        long calls = server.calls();
        TestJob.Result badModel =
                job("openrouter", "openai/gpt-5.4-image", "right-key", null).run("run");
        assertThat(badModel.exitCode()).as(badModel.toString()).isEqualTo(2);
        assertThat(badModel.stderr()).contains("not started").contains("--skip-check");

        TestJob.Result badKey = job("openrouter", "openai/gpt-5.4-image-2", "wrong-key-456", null)
                .run("run");
        assertThat(badKey.exitCode()).isEqualTo(3);
        assertThat(badKey.stderr()).contains("refused the key").doesNotContain("wrong-key-456");
        assertThat(server.calls()).isEqualTo(calls);

        // --skip-check goes ahead, and the run itself stops on the refused key.
        TestJob.Result skipped = job("openrouter", "openai/gpt-5.4-image-2", "wrong-key-456", null)
                .run("run", "--skip-check");
        assertThat(skipped.exitCode()).as(skipped.toString()).isEqualTo(3);
        assertThat(skipped.stdout()).contains("the provider rejected the API key");
    }

    @Test
    void anImageOnlyModelIsAskedForImagesOnlyAndItsRunCompletes() throws Exception {
        TestJob flux = runJob("flux", "openrouter", "black-forest-labs/flux.2-pro", "seed: 7");
        TestJob.Result check = flux.run("check");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.stdout())
                .contains("model.modalities: sends modalities [image] "
                        + "('black-forest-labs/flux.2-pro' outputs images only, no text)");

        int unroutable = server.unroutable().size();
        int received = server.received().size();
        TestJob.Result run = flux.run("run");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        // The check learnt it from the catalogue: not even the unbilled 404 was needed.
        assertThat(server.unroutable()).hasSize(unroutable);
        assertThat(server.received().subList(received, server.received().size()))
                .singleElement()
                .satisfies(
                        c -> assertThat(c.body().path("modalities").toString()).isEqualTo("[\"image\"]"));
        assertThat(Files.list(dir.resolve("out/images")).count()).isPositive();
    }

    @Test
    void withoutTheCheckAnImageOnlyModelIsLearntFromTheUnbilled404() throws Exception {
        int unroutable = server.unroutable().size();
        TestJob.Result run = runJob("flux-unchecked", "openrouter", "black-forest-labs/flux.2-pro", null)
                .run("run", "--skip-check");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(server.unroutable()).hasSize(unroutable + 1);
        assertThat(db.jdbc()
                        .queryForObject(
                                "SELECT count(*) FROM generated_image WHERE dataset = 'flux-unchecked'", Long.class))
                .isEqualTo(1);
    }

    @Test
    void theTokenBoundIsMaxCompletionTokensWhereTheModelListsIt() throws Exception {
        TestJob.Result gpt =
                job("openrouter", "openai/gpt-5.4-image-2", "right-key", null).run("check");
        assertThat(gpt.stdout()).contains("model.max-tokens: sent as max_completion_tokens");
        TestJob.Result gemini = job("openrouter", "google/gemini-2.5-flash-image", "right-key", null)
                .run("check");
        assertThat(gemini.stdout()).contains("model.max-tokens: sent as max_tokens");

        int received = server.received().size();
        assertThat(runJob("completion-tokens", "openrouter", "openai/gpt-5.4-image-2", null)
                        .run("run")
                        .exitCode())
                .isZero();
        assertThat(server.received().get(received).body().has("max_completion_tokens"))
                .isTrue();
        assertThat(server.received().get(received).body().has("max_tokens")).isFalse();
    }

    @Test
    void pinnedProvidersAreCheckedAgainstTheirOwnEndpoints() throws Exception {
        // Model-wide, FLUX takes 2K and a seed; its Together endpoint renders 1K only and takes no seed.
        TestJob.Result wide = job(
                        "openrouter-images",
                        "black-forest-labs/flux.2-pro",
                        "right-key",
                        "image-config: { resolution: 2K }\nseed: 1")
                .run("check");
        assertThat(wide.exitCode()).as(wide.toString()).isZero();

        TestJob.Result pinned = job(
                        "openrouter-images",
                        "black-forest-labs/flux.2-pro",
                        "right-key",
                        "image-config: { resolution: 2K }\nseed: 1\nprovider-routing: { only: [together] }")
                .run("check");
        assertThat(pinned.exitCode()).as(pinned.toString()).isEqualTo(2);
        assertThat(pinned.stdout())
                .contains(
                        "model.image-config.resolution: '2K' is not allowed; use one of [1K] " + "at provider together")
                .contains("warn   model.seed: 'black-forest-labs/flux.2-pro' at provider " + "together takes no seed");
        assertThat(server.metadataRequests())
                .contains("GET /api/v1/images/models/black-forest-labs/flux.2-pro/endpoints");

        TestJob.Result nobody = job(
                        "openrouter-images",
                        "black-forest-labs/flux.2-pro",
                        "right-key",
                        "provider-routing: { only: [azure] }")
                .run("check");
        assertThat(nobody.exitCode()).isEqualTo(2);
        assertThat(nobody.stdout())
                .contains("no provider in [azure] serves 'black-forest-labs/flux.2-pro'; it is "
                        + "served by black-forest-labs, together");

        // Chat: the Azure endpoint of the model takes no seed, though the model does.
        TestJob.Result chat = job(
                        "openrouter",
                        "openai/gpt-5.4-image-2",
                        "right-key",
                        "seed: 3\nprovider-routing: { order: [azure], allow_fallbacks: false }")
                .run("check");
        assertThat(chat.exitCode()).as(chat.toString()).isZero();
        assertThat(chat.stdout())
                .contains("warn   model.seed: 'openai/gpt-5.4-image-2' at [azure] does not list " + "seed");
        assertThat(server.metadataRequests()).contains("GET /api/v1/models/openai/gpt-5.4-image-2/endpoints");
    }

    @Test
    void theImageApiIsWarnedAboutRoutingFieldsItDoesNotTakeAndSvgIsRefused() throws Exception {
        TestJob.Result routing = job(
                        "openrouter-images",
                        "openai/gpt-5.4-image-2",
                        "right-key",
                        "provider-routing: { sort: price, data_collection: deny }")
                .run("check");
        assertThat(routing.exitCode()).as(routing.toString()).isZero();
        assertThat(routing.stdout())
                .contains("model.provider-routing: the Image API honours only "
                        + "[allow_fallbacks, ignore, only, options, order, sort]; [data_collection] are not sent");

        long calls = server.calls();
        TestJob.Result svg = job(
                        "openrouter-images",
                        "openai/gpt-5.4-image-2",
                        "right-key",
                        "image-config: { output_format: svg }")
                .run("run");
        assertThat(svg.exitCode()).as(svg.toString()).isEqualTo(2);
        assertThat(svg.stderr()).contains("svg (image/svg+xml) is a vector format");
        assertThat(server.calls()).isEqualTo(calls);
    }

    @Test
    void openAiOptionsAreCheckedByTheRulesOfTheModelAndTheEndpoint() throws Exception {
        String[][] problems = {
            {"gpt-image-2", "image-config: { style: vivid }", "style is a dall-e-3 option"},
            {"gpt-image-2", "image-config: { quality: hd }", "'hd' is a DALL·E quality"},
            {
                "gpt-image-2",
                "image-config: { input_fidelity: high }",
                "input_fidelity is a field of " + "/images/edits only"
            },
            {"gpt-image-2", "image-config: { size: 1500x1000 }", "both sides must be multiples of 16"},
            {"gpt-image-2", "image-config: { size: 3840x1024 }", "within 1:3 and 3:1"},
            {"gpt-image-2", "image-config: { size: 3840x2176 }", "maximum of 3840x2160"},
            {"gpt-image-1", "image-config: { size: 1536x864 }", "is not a size of gpt-image-1"},
            {
                "gpt-image-2",
                "image-config: { background: transparent, output_format: jpeg }",
                "a transparent " + "background needs output_format png or webp"
            },
            {
                "gpt-image-2",
                "image-config: { output_compression: 80 }",
                "applies to output_format jpeg or " + "webp only"
            },
            {"gpt-image-2", "image-config: { output_compression: 101, output_format: webp }", "outside 0..100"}
        };
        for (String[] p : problems) {
            TestJob.Result r = job("openai", p[0], "right-key", p[1]).run("check");
            assertThat(r.exitCode()).as(p[1] + ": " + r).isEqualTo(2);
            assertThat(r.stdout()).as(p[1]).contains(p[2]);
        }
        for (String fine : new String[] {
            "image-config: { size: 1536x864, quality: high }",
            "image-config: { size: 3840x2160 }",
            "image-config: { output_compression: 80, output_format: jpeg }",
            "image-config: { background: transparent, output_format: webp }"
        }) {
            TestJob.Result r = job("openai", "gpt-image-2", "right-key", fine).run("check");
            assertThat(r.exitCode()).as(fine + ": " + r).isZero();
        }
        TestJob.Result dalle = job(
                        "openai",
                        "dall-e-3",
                        "right-key",
                        "image-config: { style: natural, quality: hd, " + "size: 1792x1024 }")
                .run("check");
        assertThat(dalle.exitCode()).as(dalle.toString()).isZero();
    }

    @Test
    void anUnreachableProviderIsExit1ForCheck() throws Exception {
        TestJob job = job("openrouter", "openai/gpt-5.4-image-2", "right-key", null);
        job.yaml(job.yaml().replace(server.baseUrl(), "http://127.0.0.1:9/api/v1"));

        TestJob.Result r = job.run("check");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("could not be asked");
    }
}
