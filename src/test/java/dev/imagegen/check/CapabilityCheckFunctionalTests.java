package dev.imagegen.check;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code imagegen check} and the check at the start of {@code run}, offline against the fake servers: a wrong key,
 * an unknown model and an unsupported option are caught before any image is paid for.
 */
class CapabilityCheckFunctionalTests {

    private static FakeOpenRouter openRouter;
    private static FakeOpenAI openAi;
    private static TestDatabase db;

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() {
        openRouter = new FakeOpenRouter().requireKey("right-key");
        openAi = new FakeOpenAI().requireKey("right-key");
        db = TestDatabase.fresh();
    }

    @AfterAll
    static void close() {
        openRouter.close();
        openAi.close();
    }

    @BeforeEach
    void prompts() throws Exception {
        Files.writeString(dir.resolve("prompts.csv"), "id,prompt,refs\na,a red fox,\n");
    }

    private TestJob job(String provider, String model, String key, String extraModelYaml) {
        String base = provider.equals("openai") ? openAi.baseUrl() : openRouter.baseUrl();
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
                """.formatted(provider, model, base, key, extraModelYaml == null ? "" : extraModelYaml.indent(2)));
    }

    @Test
    void aGoodOpenRouterJobIsReadyAfterTwoGetsAndNoGeneration() throws Exception {
        int before = openRouter.metadataRequests().size();
        TestJob.Result r = job("openrouter", "openai/gpt-5.4-image-2", "right-key", "seed: 7").run("check");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("ok", "model.api-key: accepted", "'openai/gpt-5.4-image-2' makes images",
                "result: ready");
        assertThat(openRouter.metadataRequests().subList(before, openRouter.metadataRequests().size()))
                .containsExactly("GET /api/v1/key", "GET /api/v1/models?output_modalities=image");
        assertThat(openRouter.calls()).isZero();
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
        openRouter.keyLimitRemaining(0.0);
        try {
            TestJob.Result r = job("openrouter", "openai/gpt-5.4-image-2", "right-key", null).run("check");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            assertThat(r.stdout()).contains("credit limit is used up");
        } finally {
            openRouter.keyLimitRemaining(null);
        }
    }

    @Test
    void anUnknownModelIsExit2WithTheNearestNames() throws Exception {
        TestJob.Result chat = job("openrouter", "openai/gpt-5.4-image", "right-key", null).run("check");
        assertThat(chat.exitCode()).as(chat.toString()).isEqualTo(2);
        assertThat(chat.stdout()).contains("model.name: 'openai/gpt-5.4-image' is not one of OpenRouter's "
                + "image-output models").contains("the nearest are openai/gpt-5.4-image-2");

        // A text model exists, but makes no images: not in the image catalogue.
        TestJob.Result text = job("openrouter", "openai/gpt-4o", "right-key", null).run("check");
        assertThat(text.exitCode()).isEqualTo(2);

        TestJob.Result images = job("openrouter-images", "bytedance-seed/seedream-5", "right-key", null)
                .run("check");
        assertThat(images.exitCode()).isEqualTo(2);
        assertThat(images.stdout()).contains("Image API models").contains("bytedance-seed/seedream-4.5");

        TestJob.Result openai = job("openai", "gpt-image-3", "right-key", null).run("check");
        assertThat(openai.exitCode()).as(openai.toString()).isEqualTo(2);
        assertThat(openai.stdout()).contains("OpenAI has no model 'gpt-image-3'");

        TestJob.Result fallback = job("openrouter", "openai/gpt-5.4-image-2", "right-key",
                "fallback-models: [google/gemini-9-image]").run("check");
        assertThat(fallback.exitCode()).isEqualTo(2);
        assertThat(fallback.stdout()).contains("model.fallback-models[0]: 'google/gemini-9-image' is not one of");
    }

    @Test
    void unsupportedOptionsAreExit2AndHarmlessOnesOnlyWarn() throws Exception {
        TestJob.Result value = job("openrouter-images", "openai/gpt-5.4-image-2", "right-key",
                "image-config: { quality: ultra, aspect_ratio: \"16:9\" }").run("check");
        assertThat(value.exitCode()).as(value.toString()).isEqualTo(2);
        assertThat(value.stdout()).contains("model.image-config.quality: 'ultra' is not allowed; use one of "
                + "[auto, high, low, medium]").doesNotContain("model.image-config.aspect_ratio");

        TestJob.Result option = job("openrouter-images", "black-forest-labs/flux.2-pro", "right-key",
                "image-config: { background: transparent }").run("check");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.stdout()).contains("does not take 'background'");

        TestJob.Result references = job("openrouter", "black-forest-labs/flux.2-pro", "right-key", null)
                .yaml(job("openrouter", "black-forest-labs/flux.2-pro", "right-key", null).yaml()
                        .replace("prompt-column: prompt }", "prompt-column: prompt, reference-column: refs }"))
                .run("check");
        assertThat(references.exitCode()).isEqualTo(2);
        assertThat(references.stdout()).contains("source.reference-column: 'black-forest-labs/flux.2-pro' takes no "
                + "image input");

        TestJob.Result openai = job("openai", "gpt-image-2", "right-key",
                "image-config: { aspect_ratio: \"16:9\" }").run("check");
        assertThat(openai.exitCode()).isEqualTo(2);
        assertThat(openai.stdout()).contains("model.image-config.aspect_ratio: not an option of OpenAI's Images API")
                .contains("size: 1536x1024");

        // The model ignores seed: a warning, not a problem.
        TestJob.Result seed = job("openrouter", "google/gemini-2.5-flash-image", "right-key", "seed: 3")
                .run("check");
        assertThat(seed.exitCode()).as(seed.toString()).isZero();
        assertThat(seed.stdout()).contains("warn", "model.seed");
    }

    @Test
    void runChecksFirstAndSpendsNothingOnAProblem() throws Exception {
        long calls = openRouter.calls();
        TestJob.Result badModel = job("openrouter", "openai/gpt-5.4-image", "right-key", null).run("run");
        assertThat(badModel.exitCode()).as(badModel.toString()).isEqualTo(2);
        assertThat(badModel.stderr()).contains("not started").contains("--skip-check");

        TestJob.Result badKey = job("openrouter", "openai/gpt-5.4-image-2", "wrong-key-456", null).run("run");
        assertThat(badKey.exitCode()).isEqualTo(3);
        assertThat(badKey.stderr()).contains("refused the key").doesNotContain("wrong-key-456");
        assertThat(openRouter.calls()).isEqualTo(calls);

        // --skip-check goes ahead, and the run itself stops on the refused key.
        TestJob.Result skipped = job("openrouter", "openai/gpt-5.4-image-2", "wrong-key-456", null)
                .run("run", "--skip-check");
        assertThat(skipped.exitCode()).as(skipped.toString()).isEqualTo(3);
        assertThat(skipped.stdout()).contains("the provider rejected the API key");
    }

    @Test
    void anUnreachableProviderIsExit1ForCheck() throws Exception {
        TestJob job = job("openrouter", "openai/gpt-5.4-image-2", "right-key", null);
        job.yaml(job.yaml().replace(openRouter.baseUrl(), "http://127.0.0.1:9/api/v1"));

        TestJob.Result r = job.run("check");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("could not be asked");
    }
}
