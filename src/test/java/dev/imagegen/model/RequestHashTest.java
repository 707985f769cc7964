package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestHashTest {

    private static ModelSpec model(List<String> fallbacks, Map<String, Object> routing) {
        return ModelSpec.builder("openrouter", "m")
                .baseUrl(URI.create("http://h/v1"))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of("aspect_ratio", "1:1"))
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(ModelSpec.Pricing.FREE)
                .maxResponseBytes(1 << 20)
                .fallbackModels(fallbacks)
                .providerRouting(routing)
                .build();
    }

    @Test
    void withoutReferencesTheHashIsWhatItWasBeforeReferencesExisted() throws Exception {
        ModelSpec m = model(List.of(), Map.of());
        // The canonical text of the first version: datasets staged before references existed keep their hashes.
        String legacy = "provider=openrouter\nmodel=m\nseed=7\nimage_config={aspect_ratio=1:1}\nprompt=a fox";
        String expected = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(legacy.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(RequestHash.of(m, "a fox")).isEqualTo(expected);
        assertThat(RequestHash.of(m, "a fox", List.of())).isEqualTo(expected);
    }

    @Test
    void referenceHashesAndTheirOrderChangeTheHash() {
        ModelSpec m = model(List.of(), Map.of());
        String none = RequestHash.of(m, "a fox");
        String ab = RequestHash.of(m, "a fox", List.of("aa", "bb"));
        assertThat(ab).isNotEqualTo(none);
        assertThat(RequestHash.of(m, "a fox", List.of("bb", "aa"))).isNotEqualTo(ab);
        assertThat(RequestHash.of(m, "a fox", List.of("aa", "cc"))).isNotEqualTo(ab);
        assertThat(RequestHash.of(m, "a fox", List.of("aa", "bb"))).isEqualTo(ab);
    }

    @Test
    void fallbacksAndRoutingDoNotChangeTheHash() {
        assertThat(RequestHash.of(model(List.of("x/y"), Map.of("sort", "price")), "a fox"))
                .isEqualTo(RequestHash.of(model(List.of(), Map.of()), "a fox"));
    }
}
