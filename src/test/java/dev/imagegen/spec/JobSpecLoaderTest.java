package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSpecLoaderTest {

    @TempDir
    Path dir;

    private final Map<String, String> env = new java.util.HashMap<>();
    private final JobSpecLoader loader = new JobSpecLoader(env::get);

    @BeforeEach
    void prompts() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt,style\n1,a cat,oil\n");
        Files.writeString(dir.resolve("p.tsv"), "prompt\tx\nA \"quoted\" sign\t1\n");
    }

    private Path job(String yaml) throws Exception {
        Path f = dir.resolve("job.yml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void appliesDefaultsAndResolvesPathsAgainstTheJobFile() throws Exception {
        JobSpec spec = loader.load(job("dataset: d\nsource: { csv: p.csv }\n"), List.of());

        assertThat(spec.source().csv()).isEqualTo(dir.resolve("p.csv"));
        assertThat(spec.source().delimiter()).isEqualTo(',');
        assertThat(spec.source().quote()).isEqualTo('"');
        assertThat(spec.source().promptColumn()).isEqualTo("prompt");
        assertThat(spec.source().idColumn()).isNull();
        assertThat(spec.model().provider()).isEqualTo("openrouter");
        assertThat(spec.model().name()).isEqualTo("openai/gpt-5.4-image-2");
        assertThat(spec.model().baseUrl()).hasToString("https://openrouter.ai/api/v1");
        assertThat(spec.model().timeout()).isEqualTo(Duration.ofSeconds(180));
        assertThat(spec.run().retry().maxAttempts()).isEqualTo(5);
        assertThat(spec.output().dir()).isEqualTo(dir.resolve("out/d"));
    }

    @Test
    void runsAreLocalUnlessTheWorkersAreRemote() throws Exception {
        Path f = job("dataset: d\nsource: { csv: p.csv }\n");
        RunSpec local = loader.load(f, List.of()).run();
        assertThat(local.remote()).isFalse();
        assertThat(local.workers()).isEqualTo("local");

        RunSpec remote = loader.load(f, List.of("run.workers=remote", "run.poll-interval=500ms"))
                .run();
        assertThat(remote.remote()).isTrue();
        assertThat(remote.pollInterval()).isEqualTo(Duration.ofMillis(500));

        assertThatThrownBy(() -> loader.load(f, List.of("run.workers=cluster")))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("run.workers")
                .hasMessageContaining("local")
                .hasMessageContaining("remote");
    }

    @Test
    void tsvFilesDefaultToTabsAndNoQuoting() throws Exception {
        JobSpec spec = loader.load(job("dataset: d\nsource: { csv: p.tsv }\n"), List.of());
        assertThat(spec.source().delimiter()).isEqualTo('\t');
        assertThat(spec.source().quote()).isNull();
    }

    @Test
    void expandsEnvironmentVariablesAndKeepsTheKeySecret() throws Exception {
        env.put("KEY", "sk-or-v1-secret");
        env.put("MODEL", "google/gemini-3-pro-image-preview");
        JobSpec spec = loader.load(job("""
                dataset: d
                source: { csv: p.csv }
                model: { api-key: "${KEY}", name: "${MODEL}", title: "${TITLE:-my app}" }
                """), List.of());

        assertThat(spec.model().apiKey().reveal()).isEqualTo("sk-or-v1-secret");
        assertThat(spec.model().name()).isEqualTo("google/gemini-3-pro-image-preview");
        assertThat(spec.model().title()).isEqualTo("my app");
        assertThat(spec.toString()).doesNotContain("secret");
    }

    @Test
    void anUnsetVariableOutsideTheKeyNamesTheFieldAndTheVariable() throws Exception {
        Path f = job("dataset: d\nsource: { csv: p.csv }\nmodel: { name: \"${NOPE}\" }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("model.name")
                .hasMessageContaining("NOPE");
    }

    @Test
    void overridesAnyKeyWithTypedValues() throws Exception {
        JobSpec spec = loader.load(
                job("dataset: d\nsource: { csv: p.csv }\nrun: { concurrency: 2 }\n"),
                List.of(
                        "run.concurrency=16",
                        "model.image-config.aspect_ratio=16:9",
                        "model.seed=42",
                        "run.max-cost-usd=2.5"));
        assertThat(spec.run().concurrency()).isEqualTo(16);
        assertThat(spec.model().imageConfig()).containsEntry("aspect_ratio", "16:9");
        assertThat(spec.model().seed()).isEqualTo(42L);
        assertThat(spec.run().maxCostUsd()).isEqualTo(2.5);
    }

    @Test
    void anUnknownKeyIsNamedWithTheKeysAllowedThere() throws Exception {
        Path f = job("dataset: d\nsource: { csv: p.csv }\nrun: { concurency: 3 }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("run.concurency")
                .hasMessageContaining("concurrency");
    }

    @Test
    void aBadDurationNamesTheFieldAndShowsTheFormat() throws Exception {
        Path f = job("dataset: d\nsource: { csv: p.csv }\nmodel: { timeout: soon }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("model.timeout")
                .hasMessageContaining("30s");
    }

    @Test
    void aMissingSourceFileSaysWherePathsAreRelativeTo() throws Exception {
        Path f = job("dataset: d\nsource: { csv: nope.csv }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("source.csv")
                .hasMessageContaining("relative to the job file");
    }

    @Test
    void aWrongTypeNamesTheField() throws Exception {
        Path f = job("dataset: d\nsource: { csv: p.csv }\nrun: { concurrency: many }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("run.concurrency");
    }

    @Test
    void aMissingJobFileIsAClearError() {
        assertThatThrownBy(() -> loader.load(dir.resolve("missing.yml"), List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("not found");
    }

    @Test
    void rejectsDatasetNamesThatCouldEscapeADirectory() throws Exception {
        Path f = job("dataset: ../x\nsource: { csv: p.csv }\n");
        assertThatThrownBy(() -> loader.load(f, List.of()))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("dataset");
    }
}
