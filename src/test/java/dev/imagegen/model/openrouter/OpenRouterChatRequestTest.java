package dev.imagegen.model.openrouter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.model.ImageRequest;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The chat request's reference images, fallback models and routing preferences. */
class OpenRouterChatRequestTest {

    private static OpenRouterChatModel model(List<String> fallbacks, Map<String, Object> routing) {
        ModelSpec spec = ModelSpec.builder("openrouter", "openai/gpt-5.4-image-2")
                .baseUrl(URI.create("http://127.0.0.1:9/v1"))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of())
                .seed(null)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(ModelSpec.Pricing.FREE)
                .maxResponseBytes(1 << 20)
                .fallbackModels(fallbacks)
                .providerRouting(routing)
                .build();
        return new OpenRouterChatModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    @Test
    void referencesAreImageUrlPartsAfterTheText() {
        ObjectNode body = model(List.of(), Map.of())
                .requestBody(new ImageRequest(
                        "p",
                        0,
                        "make it blue",
                        null,
                        1,
                        List.of("data:image/png;base64,AAAA", "https://example.com/b.jpg")));

        assertThat(body.path("messages").get(0).path("content").toString())
                .isEqualTo("[{\"type\":\"text\","
                        + "\"text\":\"make it blue\"},{\"type\":\"image_url\",\"image_url\":{\"url\":"
                        + "\"data:image/png;base64,AAAA\"}},{\"type\":\"image_url\",\"image_url\":{\"url\":"
                        + "\"https://example.com/b.jpg\"}}]");
        assertThat(body.has("models")).isFalse();
        assertThat(body.has("provider")).isFalse();
        assertThat(body.has("seed")).isFalse();
    }

    @Test
    void withoutReferencesTheContentStaysAString() {
        ObjectNode body = model(List.of(), Map.of()).requestBody(new ImageRequest("p", 0, "a fox", 3L));
        assertThat(body.path("messages").get(0).path("content").isString()).isTrue();
    }

    @Test
    void fallbackModelsFollowThePrimaryAndRoutingIsPassedThrough() {
        ObjectNode body = model(List.of("google/gemini-3-pro-image-preview"), Map.of("sort", "price"))
                .requestBody(new ImageRequest("p", 0, "a fox", 3L));

        assertThat(body.path("model").asString()).isEqualTo("openai/gpt-5.4-image-2");
        assertThat(body.path("models").toString())
                .isEqualTo("[\"openai/gpt-5.4-image-2\",\"google/gemini-3-pro-image-preview\"]");
        assertThat(body.path("provider").toString()).isEqualTo("{\"sort\":\"price\"}");
    }
}
