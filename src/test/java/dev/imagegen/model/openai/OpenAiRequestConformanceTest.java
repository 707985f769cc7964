package dev.imagegen.model.openai;

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
 * Every request body the OpenAI client builds — each Images API option, several images per call, reference images
 * (the JSON edits form) — against OpenAI's published request schemas (CreateImageRequest, EditImageBodyJsonParam).
 */
class OpenAiRequestConformanceTest {

    private static final OpenApiContract CONTRACT = OpenApiContract.openAi();

    private static OpenAiImagesModel model(String name, Map<String, Object> config) {
        ModelSpec spec = ModelSpec.builder("openai", name)
                .baseUrl(URI.create("http://127.0.0.1:9/v1"))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(4)
                .promptTemplate("{prompt}")
                .imageConfig(config)
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(5, 40))
                .maxResponseBytes(1 << 20)
                .imagesPerCall(4)
                .build();
        return new OpenAiImagesModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    @Test
    void generationsAndEditsConform() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("size", "1024x1536");
        config.put("quality", "high");
        config.put("background", "transparent");
        config.put("output_format", "webp");
        config.put("output_compression", 80);
        config.put("moderation", "low");
        config.put("input_fidelity", "high");
        config.put("user", "dataset-42");
        OpenAiImagesModel gpt = model("gpt-image-2", config);
        CONTRACT.assertRequest("POST", "/images/generations", gpt.requestBody(new ImageRequest("p", 0, "a fox", 7L)));
        CONTRACT.assertRequest(
                "POST", "/images/generations", gpt.requestBody(new ImageRequest("p", 0, "a fox", 7L, 4, List.of())));
        CONTRACT.assertRequest(
                "POST",
                "/images/edits",
                gpt.requestBody(new ImageRequest(
                        "p",
                        0,
                        "make it blue",
                        null,
                        3,
                        List.of("https://example.com/a.png", "data:image/png;base64,AAAA"))));
        CONTRACT.assertRequest(
                "POST",
                "/images/generations",
                model("gpt-image-2", Map.of("size", "1536x864")).requestBody(new ImageRequest("p", 0, "a fox", null)));
        CONTRACT.assertRequest(
                "POST",
                "/images/generations",
                model("dall-e-3", Map.of("style", "natural", "quality", "hd", "size", "1792x1024"))
                        .requestBody(new ImageRequest("p", 0, "a fox", null)));
    }
}
