package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A model's settings by name: what is left out, copies that change one thing, the placeholder. */
class ModelSpecBuilderTest {

    private static ModelSpec full() {
        return new ModelSpec(
                "openrouter",
                "openai/gpt-5.4-image-2",
                URI.create("https://openrouter.ai/api/v1"),
                Secret.of("k"),
                4,
                "{prompt}, photo",
                Map.of("aspect_ratio", "1:1"),
                7L,
                4096,
                Duration.ofSeconds(5),
                "https://example.org",
                "t",
                new ModelSpec.Pricing(8, 15),
                1 << 20,
                List.of("black-forest-labs/flux.2-pro"),
                Map.of("only", List.of("openai")),
                1,
                List.of("image"),
                ModelSpec.MAX_COMPLETION_TOKENS,
                new BatchSpec(10, 1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(50)));
    }

    @Test
    void toBuilderCopiesEveryComponent() {
        ModelSpec m = full();

        assertThat(m.toBuilder().build()).isEqualTo(m);
    }

    @Test
    void whatIsNotSetIsWhatAJobFileLeavingItOutGets() {
        ModelSpec m = ModelSpec.builder("openai", "gpt-image-2").build();

        assertThat(m.provider()).isEqualTo("openai");
        assertThat(m.name()).isEqualTo("gpt-image-2");
        assertThat(m.fallbackModels()).isEmpty();
        assertThat(m.providerRouting()).isEmpty();
        assertThat(m.imagesPerCall()).isEqualTo(1);
        assertThat(m.modalities()).isEmpty();
        assertThat(m.maxTokensParameter()).isNull();
        assertThat(m.batch()).isEqualTo(BatchSpec.DEFAULTS);
    }

    @Test
    void copiesChangeOnlyWhatTheySay() {
        ModelSpec m = full();

        ModelSpec perCall = m.withImagesPerCall(0);
        assertThat(perCall.imagesPerCall()).isEqualTo(1);
        assertThat(perCall.toBuilder().imagesPerCall(m.imagesPerCall()).build()).isEqualTo(m);

        ModelSpec chat = m.withChatFields(List.of("image", "text"), ModelSpec.MAX_TOKENS);
        assertThat(chat.chatModalities()).containsExactly("image", "text");
        assertThat(chat.tokenField()).isEqualTo(ModelSpec.MAX_TOKENS);
        assertThat(chat.toBuilder()
                        .modalities(m.modalities())
                        .maxTokensParameter(m.maxTokensParameter())
                        .build())
                .isEqualTo(m);
    }

    @Test
    void thePlaceholderKeepsTheImageSettingsAndDropsTheProvidersOwn() {
        ModelSpec p = full().asPlaceholder();

        assertThat(p.isPlaceholder()).isTrue();
        assertThat(p.name()).isEqualTo("placeholder");
        assertThat(p.apiKey()).isEqualTo(Secret.NONE);
        assertThat(p.pricing()).isEqualTo(ModelSpec.Pricing.FREE);
        assertThat(p.fallbackModels()).isEmpty();
        assertThat(p.providerRouting()).isEmpty();
        assertThat(p.imagesPerCall()).isEqualTo(1);
        assertThat(p.modalities()).isEmpty();
        assertThat(p.maxTokensParameter()).isNull();
        assertThat(p.batch()).isEqualTo(BatchSpec.DEFAULTS);
        assertThat(p.imagesPerPrompt()).isEqualTo(4);
        assertThat(p.promptTemplate()).isEqualTo("{prompt}, photo");
        assertThat(p.imageConfig()).isEqualTo(Map.of("aspect_ratio", "1:1"));
        assertThat(p.seed()).isEqualTo(7L);
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.referer()).isEqualTo("https://example.org");
        assertThat(p.baseUrl()).isEqualTo(URI.create("https://openrouter.ai/api/v1"));
    }
}
