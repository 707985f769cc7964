package dev.imagegen.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import dev.imagegen.testing.TestPng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Image-to-image: reference columns staged, hashed, sent in each provider's way, and regenerated on change. */
class ReferenceImagesFunctionalTests extends FunctionalTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** OpenAI's Images API; OpenRouter's two APIs are the {@link #server}'s. */
    private FakeOpenAI openAi;

    private byte[] cat;
    private byte[] dog;

    @BeforeEach
    void start() throws Exception {
        openAi = closeAfterTest(new FakeOpenAI());
        Files.createDirectories(dir.resolve("refs"));
        cat = TestPng.build(16, 16, "cat", new Random(1));
        dog = TestPng.build(16, 16, "dog", new Random(2));
        Files.write(dir.resolve("refs/cat.png"), cat);
        Files.write(dir.resolve("refs/dog.png"), dog);
        Files.writeString(dir.resolve("refs/notes.txt"), "not an image");
        Files.writeString(dir.resolve("prompts.csv"), """
                id,prompt,refs
                one,a watercolor of this cat,refs/cat.png
                two,these two as friends,refs/cat.png | refs/dog.png
                web,in the style of this,https://example.com/style.png
                plain,no reference at all,
                missing,a lost picture,refs/missing.png
                text,not a picture,refs/notes.txt
                """);
    }

    private TestJob job(String provider, String model, String baseUrl) {
        return new TestJob(dir, db, """
                dataset: refs
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt, reference-column: refs }
                model:
                  provider: %s
                  name: %s
                  base-url: %s
                  api-key: test-key-123
                  seed: 7
                  timeout: 10s
                run:
                  concurrency: 2
                  chunk-size: 2
                  retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 50ms }
                output: { dir: out }
                """.formatted(provider, model, baseUrl));
    }

    @Test
    void referencesAreHashedSentAndRegenerateWhenAFileChangesAndOnlyThen() throws Exception {
        TestJob job = job("openrouter", "openai/gpt-5.4-image-2", server.baseUrl());

        TestJob.Result first = job.run("run", "--run-id", "r1");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image ORDER BY 1", String.class))
                .containsExactly("one", "plain", "two", "web");
        // Unusable references skip their row, recorded with the reason.
        assertThat(jdbc.queryForList("SELECT prompt_id || ': ' || reason FROM source_reject ORDER BY 1", String.class))
                .satisfiesExactly(
                        r -> assertThat(r).startsWith("missing: bad_reference: reference 'refs/missing.png' not found"),
                        r -> assertThat(r)
                                .startsWith(
                                        "text: bad_reference: reference 'refs/notes.txt' is not a usable " + "image"));
        // The hashes are recorded on the prompt, in order.
        JsonNode two = JSON.readTree(jdbc.queryForObject(
                "SELECT reference_images::text FROM prompt WHERE " + "prompt_id = 'two'", String.class));
        assertThat(two).hasSize(2);
        assertThat(two.get(0).path("sha256").asString()).isEqualTo(ImageStore.sha256(cat));
        assertThat(two.get(1).path("sha256").asString()).isEqualTo(ImageStore.sha256(dog));
        assertThat(two.get(1).path("ref").asString()).isEqualTo("refs/dog.png");
        assertThat(two.get(1).path("mediaType").asString()).isEqualTo("image/png");
        JsonNode web = JSON.readTree(jdbc.queryForObject(
                "SELECT reference_images::text FROM prompt WHERE " + "prompt_id = 'web'", String.class));
        assertThat(web.get(0).path("remote").asBoolean()).isTrue();
        // Sent as image_url parts after the text: local files as data URLs of their bytes, URLs as they are.
        assertThat(urlsSentFor("these two as friends")).containsExactly(dataUrl(cat), dataUrl(dog));
        assertThat(urlsSentFor("in the style of this")).containsExactly("https://example.com/style.png");
        assertThat(urlsSentFor("no reference at all")).isEmpty();
        FakeOpenRouter.Call call = server.received().stream()
                .filter(c -> c.prompt().equals("a watercolor of this cat"))
                .findFirst()
                .orElseThrow();
        assertThat(call.body()
                        .path("messages")
                        .get(0)
                        .path("content")
                        .get(0)
                        .path("type")
                        .asString())
                .isEqualTo("text");
        long calls = server.calls();

        // Touched but unchanged: nothing to do.
        Files.setLastModifiedTime(
                dir.resolve("refs/cat.png"), FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(job.run("run", "--run-id", "r2").exitCode()).isZero();
        assertThat(server.calls()).isEqualTo(calls);

        // The dog changed: only the prompt that uses it is made again.
        byte[] newDog = TestPng.build(16, 16, "another dog", new Random(3));
        Files.write(dir.resolve("refs/dog.png"), newDog);
        assertThat(job.run("run", "--run-id", "r3").exitCode()).isZero();
        assertThat(server.calls()).isEqualTo(calls + 1);
        assertThat(server.received().get((int) calls).prompt()).isEqualTo("these two as friends");
        assertThat(urlsSentFor("these two as friends")).endsWith(dataUrl(newDog));
        assertThat(jdbc.queryForObject(
                        "SELECT reference_images->1->>'sha256' FROM prompt WHERE prompt_id = 'two'", String.class))
                .isEqualTo(ImageStore.sha256(newDog));
        List<String> hashes = jdbc.queryForList(
                "SELECT DISTINCT request_hash FROM generated_image WHERE prompt_id = " + "'two'", String.class);
        assertThat(hashes)
                .containsExactly(jdbc.queryForObject(
                        "SELECT request_hash FROM prompt WHERE prompt_id = " + "'two'", String.class));
    }

    @Test
    void theImagesApisTakeReferencesInTheirOwnFields() throws Exception {
        TestJob images = job("openrouter-images", "openai/gpt-5.4-image-2", server.baseUrl());
        assertThat(images.run("run").exitCode()).isZero();
        FakeOpenRouter.Call two = server.received().stream()
                .filter(c -> c.prompt().equals("these two as friends"))
                .findFirst()
                .orElseThrow();
        assertThat(two.endpoint()).isEqualTo(FakeOpenRouter.IMAGES);
        assertThat(two.referenceUrls()).containsExactly(dataUrl(cat), dataUrl(dog));
        assertThat(two.body().path("input_references").get(0).path("type").asString())
                .isEqualTo("image_url");

        jdbc.update("DELETE FROM generated_image");
        TestJob openai = job("openai", "gpt-image-2", openAi.baseUrl());
        TestJob.Result result = openai.run("run");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Map<String, List<String>> byPath = new java.util.TreeMap<>();
        openAi.received()
                .forEach(c -> byPath.computeIfAbsent(c.path(), k -> new java.util.ArrayList<>())
                        .add(c.prompt()));
        assertThat(byPath.get("/v1/images/edits"))
                .containsExactlyInAnyOrder("a watercolor of this cat", "these two as friends", "in the style of this");
        assertThat(byPath.get("/v1/images/generations")).containsExactly("no reference at all");
        FakeOpenAI.Call edit = openAi.received().stream()
                .filter(c -> c.prompt().equals("in the style of this"))
                .findFirst()
                .orElseThrow();
        assertThat(edit.referenceUrls()).containsExactly("https://example.com/style.png");
    }

    /**
     * A cell may name any path; only files inside the job file's directory are read. The rest is rejected at staging
     * with one reason, whether the file exists or not, and never sent.
     */
    @Test
    void referencesOutsideTheJobFilesDirectoryAreRejectedAndNeverSent() throws Exception {
        Path jobDir = Files.createDirectories(dir.resolve("jobs/refs-job"));
        Files.write(jobDir.resolve("cat.png"), cat);
        // dir/refs/cat.png exists, outside the job's directory; dir/refs/nothing.png does not.
        Files.writeString(jobDir.resolve("prompts.csv"), """
                id,prompt,refs
                inside,a cat from inside,cat.png
                up,a private cat,../../refs/cat.png
                upmissing,a missing cat,../../refs/nothing.png
                absolute,an absolute cat,%s
                etc,a system file,/etc/passwd
                """.formatted(dir.resolve("refs/cat.png")));
        TestJob job = new TestJob(
                jobDir,
                db,
                job("openrouter", "openai/gpt-5.4-image-2", server.baseUrl()).yaml());

        TestJob.Result result = job.run("run", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image", String.class))
                .containsExactly("inside");
        assertThat(server.received()).extracting(FakeOpenRouter.Call::prompt).containsExactly("a cat from inside");
        assertThat(urlsSentFor("a cat from inside")).containsExactly(dataUrl(cat));
        List<Map<String, Object>> rejects =
                jdbc.queryForList("SELECT line, prompt_id, reason FROM source_reject " + "ORDER BY line");
        assertThat(rejects).extracting(r -> r.get("line")).containsExactly(3L, 4L, 5L, 6L);
        // One reason for all four, whether the file is there or not: nothing learnt about what lies outside.
        assertThat(rejects)
                .extracting(r -> ((String) r.get("reason")).replaceAll("'[^']*'", "'CELL'"))
                .containsOnly("bad_reference: reference 'CELL' is outside the reference directory "
                        + jobDir.toRealPath() + "; local reference images must lie inside it (set "
                        + "source.reference-root to the directory that holds them)");
    }

    @Test
    void aReferenceRootElsewhereIsWherePathsStart() throws Exception {
        Path jobDir = Files.createDirectories(dir.resolve("jobs/shared"));
        Files.writeString(jobDir.resolve("prompts.csv"), """
                id,prompt,refs
                one,a watercolor of this cat,cat.png
                two,these two as friends,cat.png|dog.png
                """);
        TestJob job = new TestJob(
                jobDir,
                db,
                job("openrouter", "openai/gpt-5.4-image-2", server.baseUrl())
                        .yaml()
                        .replace("reference-column: refs", "reference-column: refs, reference-root: ../../refs"));

        TestJob.Result result = job.run("run", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(urlsSentFor("these two as friends")).containsExactly(dataUrl(cat), dataUrl(dog));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM source_reject", Long.class))
                .isZero();
    }

    private List<String> urlsSentFor(String prompt) {
        List<FakeOpenRouter.Call> calls = server.received().stream()
                .filter(c -> c.prompt().equals(prompt))
                .toList();
        return calls.get(calls.size() - 1).referenceUrls();
    }

    private static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }
}
