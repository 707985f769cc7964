package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job-file keys of the providers, fallbacks, routing, images per call and reference images. */
class ProviderKeysJobSpecTest {

    @TempDir
    Path dir;

    private final JobSpecLoader loader = new JobSpecLoader(name -> null);

    @BeforeEach
    void prompts() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt,refs\n1,a cat,\n");
    }

    private JobSpec load(String model) throws Exception {
        Path f = dir.resolve("job.yml");
        Files.writeString(f, "dataset: d\nsource: { csv: p.csv }\nmodel: " + model + "\n");
        return loader.load(f, List.of());
    }

    @Test
    void eachProviderHasItsDefaults() throws Exception {
        JobSpec openai = load("{ provider: openai, images-per-prompt: 3 }");
        assertThat(openai.model().baseUrl()).hasToString("https://api.openai.com/v1");
        assertThat(openai.model().name()).isEqualTo("gpt-image-2");
        assertThat(openai.model().imagesPerCall()).isEqualTo(3);

        JobSpec images = load("{ provider: openrouter-images, images-per-prompt: 16 }");
        assertThat(images.model().baseUrl()).hasToString("https://openrouter.ai/api/v1");
        assertThat(images.model().imagesPerCall()).isEqualTo(10);
        assertThat(load("{ provider: openrouter-images, images-per-prompt: 4, images-per-call: 2 }")
                        .model()
                        .imagesPerCall())
                .isEqualTo(2);

        JobSpec chat = load("{ images-per-prompt: 4 }");
        assertThat(chat.model().imagesPerCall()).isEqualTo(1);
        assertThat(chat.model().fallbackModels()).isEmpty();
        assertThat(chat.model().providerRouting()).isEmpty();
    }

    @Test
    void fallbacksAndRoutingAreOpenRouterOnly() throws Exception {
        JobSpec chat =
                load("{ fallback-models: [a/b, c/d], provider-routing: { order: [x], allow_fallbacks: false } }");
        assertThat(chat.model().fallbackModels()).containsExactly("a/b", "c/d");
        assertThat(chat.model().providerRouting())
                .containsExactly(Map.entry("order", List.of("x")), Map.entry("allow_fallbacks", false));

        assertThatThrownBy(() -> load("{ provider: openai, fallback-models: [a/b] }"))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("model.fallback-models");
        assertThatThrownBy(() -> load("{ provider: openrouter-images, fallback-models: [a/b] }"))
                .hasMessageContaining("only the openrouter provider");
        assertThatThrownBy(() -> load("{ provider: openai, provider-routing: { sort: price } }"))
                .hasMessageContaining("model.provider-routing");
        assertThat(load("{ provider: openrouter-images, provider-routing: { sort: price } }")
                        .model()
                        .providerRouting())
                .containsEntry("sort", "price");
    }

    @Test
    void imagesPerCallIsCheckedAgainstTheProvider() {
        assertThatThrownBy(() -> load("{ images-per-call: 2 }"))
                .hasMessageContaining("chat completions make one " + "image per call");
        assertThatThrownBy(() -> load("{ provider: openai, images-per-call: 11 }"))
                .hasMessageContaining("at most 10");
        assertThatThrownBy(() -> load("{ provider: nano-banana }"))
                .hasMessageContaining("use one of openrouter, openrouter-images, openai, openai-batch, placeholder");
    }

    @Test
    void theReferenceColumnAndItsSeparator() throws Exception {
        Path f = dir.resolve("job.yml");
        Files.writeString(f, "dataset: d\nsource: { csv: p.csv, reference-column: refs }\n");
        SourceSpec s = loader.load(f, List.of()).source();
        assertThat(s.referenceColumn()).isEqualTo("refs");
        assertThat(s.referenceSeparator()).isEqualTo("|");

        Files.writeString(
                f, "dataset: d\nsource: { csv: p.csv, reference-column: refs, reference-separator: \";\" }\n");
        assertThat(loader.load(f, List.of()).source().referenceSeparator()).isEqualTo(";");

        Files.writeString(
                f, "dataset: d\nsource: { csv: p.csv, reference-column: refs, reference-separator: \" \" }\n");
        assertThatThrownBy(() -> loader.load(f, List.of())).hasMessageContaining("source.reference-separator");
    }
}
