package dev.imagegen.model.openrouter;

import dev.imagegen.model.ImageRequest;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import dev.imagegen.testing.OpenApiContract;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every request body the two OpenRouter clients build — each job-file option, references, fallbacks, routing,
 * several images per call — against the request schemas of OpenRouter's OpenAPI document. A field the document
 * does not declare, or a value outside its enum, fails.
 */
class OpenRouterRequestConformanceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final OpenApiContract CONTRACT = OpenApiContract.openRouter();
    private static final List<String> REFERENCES = List.of("data:image/png;base64,AAAA", "https://example.com/b.jpg");

    private static ModelSpec spec(
            String provider,
            Map<String, Object> imageConfig,
            List<String> fallbacks,
            Map<String, Object> routing,
            int perCall) {
        return ModelSpec.builder(provider, "openai/gpt-5.4-image-2")
                .baseUrl(URI.create("http://127.0.0.1:9/api/v1"))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(4)
                .promptTemplate("{prompt}")
                .imageConfig(imageConfig)
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(8, 15))
                .maxResponseBytes(1 << 20)
                .fallbackModels(fallbacks)
                .providerRouting(routing)
                .imagesPerCall(perCall)
                .build();
    }

    /** Every routing preference chat completions document, with a value of the right shape. */
    private static Map<String, Object> chatRouting() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("order", List.of("openai", "azure"));
        r.put("only", List.of("openai", "azure"));
        r.put("ignore", List.of("together"));
        r.put("allow_fallbacks", false);
        r.put("require_parameters", true);
        r.put("data_collection", "deny");
        r.put("zdr", true);
        r.put("enforce_distillable_text", false);
        r.put("quantizations", List.of("fp16"));
        r.put("sort", "throughput");
        r.put("max_price", Map.of("prompt", "0.00001", "completion", "0.00002"));
        return r;
    }

    @Test
    void chatRequestsConform() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("aspect_ratio", "16:9");
        config.put("image_size", "2K");
        for (ModelSpec s : List.of(
                spec("openrouter", Map.of(), List.of(), Map.of(), 1),
                spec(
                        "openrouter",
                        config,
                        List.of("google/gemini-3-pro-image-preview", "google/gemini-2.5-flash-image"),
                        chatRouting(),
                        1),
                spec("openrouter", config, List.of(), Map.of("sort", "price"), 1)
                        .withChatFields(ModelSpec.IMAGE_ONLY, ModelSpec.MAX_COMPLETION_TOKENS),
                spec("openrouter", config, List.of(), Map.of(), 1)
                        .withChatFields(ModelSpec.IMAGE_AND_TEXT, ModelSpec.MAX_TOKENS))) {
            OpenRouterChatModel model = new OpenRouterChatModel(s, HttpClient.newHttpClient(), JSON, Clock.systemUTC());
            for (ImageRequest r : List.of(
                    new ImageRequest("p", 0, "a red fox", 9L),
                    new ImageRequest("p", 1, "make it blue", null, 1, REFERENCES))) {
                CONTRACT.assertRequest("POST", "/chat/completions", model.requestBody(r));
            }
        }
    }

    @Test
    void imageApiRequestsConform() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("aspect_ratio", "3:2");
        config.put("image_size", "0.5K");
        config.put("quality", "high");
        config.put("output_format", "webp");
        config.put("background", "transparent");
        config.put("output_compression", 80);
        Map<String, Object> sized = Map.of("size", "2048x2048", "resolution", "4K");
        Map<String, Object> routing = new LinkedHashMap<>(chatRouting());
        routing.put("options", Map.of("openai", Map.of("moderation", "low")));
        for (ModelSpec s : List.of(
                spec("openrouter-images", config, List.of(), routing, 4),
                spec("openrouter-images", sized, List.of(), Map.of(), 1),
                spec("openrouter-images", Map.of(), List.of(), Map.of("sort", Map.of("by", "price")), 10))) {
            OpenRouterImagesModel model =
                    new OpenRouterImagesModel(s, HttpClient.newHttpClient(), JSON, Clock.systemUTC());
            for (ImageRequest r : List.of(
                    new ImageRequest("p", 0, "a red fox", 9L),
                    new ImageRequest("p", 0, "a red fox", 9L, Math.max(1, s.imagesPerCall()), List.of()),
                    new ImageRequest("p", 1, "make it blue", null, 2, REFERENCES))) {
                CONTRACT.assertRequest("POST", "/images", model.requestBody(r));
            }
        }
    }
}
