package dev.imagegen.model.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import dev.imagegen.testing.FakeOpenRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class OpenRouterImagesModelTest {

    private final FakeOpenRouter server = new FakeOpenRouter();

    @AfterEach
    void close() {
        server.close();
    }

    private OpenRouterImagesModel model() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("aspect_ratio", "16:9");
        config.put("image_size", "2K");
        config.put("quality", "high");
        ModelSpec spec = ModelSpec.builder("openrouter-images", "openai/gpt-5.4-image-2")
                .baseUrl(URI.create(server.baseUrl()))
                .apiKey(Secret.of("sk-test-secret"))
                .imagesPerPrompt(4)
                .promptTemplate("{prompt}")
                .imageConfig(config)
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(8, 15))
                .maxResponseBytes(64L << 20)
                .providerRouting(Map.of("only", List.of("openai")))
                .imagesPerCall(4)
                .build();
        return new OpenRouterImagesModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    private ModelCallException failureFor(FakeOpenRouter.Reply reply) {
        server.behaviour(c -> reply);
        return catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p", 0, "x", 7L)));
    }

    @Test
    void sendsTheImageApiRequestWithOptionsReferencesAndRouting() throws Exception {
        model().generate(new ImageRequest("p", 2, "a red fox", 9L, 3, List.of("data:image/png;base64,AAAA")));

        FakeOpenRouter.Call call = server.received().get(0);
        assertThat(call.endpoint()).isEqualTo(FakeOpenRouter.IMAGES);
        assertThat(call.authorization()).isEqualTo("Bearer sk-test-secret");
        assertThat(call.body().path("prompt").asString()).isEqualTo("a red fox");
        assertThat(call.body().path("n").asInt()).isEqualTo(3);
        assertThat(call.body().path("aspect_ratio").asString()).isEqualTo("16:9");
        // The chat API's image_size is the Image API's resolution.
        assertThat(call.body().path("resolution").asString()).isEqualTo("2K");
        assertThat(call.body().has("image_size")).isFalse();
        assertThat(call.body().path("quality").asString()).isEqualTo("high");
        assertThat(call.body().path("seed").asLong()).isEqualTo(9);
        assertThat(call.body().path("input_references").toString())
                .isEqualTo("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]");
        assertThat(call.body().path("provider").toString()).isEqualTo("{\"only\":[\"openai\"]}");
    }

    @Test
    void parsesSeveralBase64ImagesAndTheCost() throws Exception {
        Generation g = model().generate(new ImageRequest("p", 0, "a red fox", 7L, 3, List.of()));

        assertThat(g.images()).hasSize(3);
        assertThat(g.images().stream()
                        .map(i -> java.util.Arrays.hashCode(i.bytes()))
                        .distinct())
                .hasSize(3);
        assertThat(g.costUsd()).isEqualTo(0.12);
        assertThat(g.costEstimated()).isFalse();
        assertThat(g.completionTokens()).isEqualTo(3 * 1290);
        assertThat(g.model()).isEqualTo("openai/gpt-5.4-image-2");
    }

    private OpenRouterImagesModel model(Map<String, Object> config, Map<String, Object> routing) {
        ModelSpec spec = ModelSpec.builder("openrouter-images", "bytedance-seed/seedream-4.5")
                .baseUrl(URI.create(server.baseUrl()))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(config)
                .seed(null)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(8, 15))
                .maxResponseBytes(64L << 20)
                .providerRouting(routing)
                .build();
        return new OpenRouterImagesModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    @Test
    void halfKIsResolution512AndOnlyTheRoutingFieldsTheImageApiTakesAreSent() throws Exception {
        Map<String, Object> routing = new LinkedHashMap<>();
        routing.put("order", List.of("byteplus"));
        routing.put("data_collection", "deny");
        routing.put("zdr", true);
        Generation g = model(Map.of("image_size", "0.5K"), routing).generate(new ImageRequest("p", 0, "a fox", null));

        FakeOpenRouter.Call call = server.received().get(0);
        assertThat(call.body().path("resolution").asString()).isEqualTo("512");
        assertThat(call.body().path("provider").toString()).isEqualTo("{\"order\":[\"byteplus\"]}");
        assertThat(server.contractViolations()).isEmpty();
        // The generation id comes as the X-Generation-Id header (the body has none).
        assertThat(g.generationId()).startsWith("gen-");
    }

    @Test
    void svgIsRefusedBeforeAnythingIsPaidFor() {
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class,
                () -> model(Map.of("output_format", "svg"), Map.of())
                        .generate(new ImageRequest("p", 0, "a fox", null)));
        assertThat(e.kind().action()).isEqualTo(FailureKind.Action.STOP);
        assertThat(e.getMessage()).contains("svg");
        assertThat(server.calls()).isZero();
    }

    @Test
    void classifiesErrorsLikeChatCompletions() {
        assertThat(failureFor(FakeOpenRouter.unauthorized(null)).kind()).isEqualTo(FailureKind.AUTH);
        assertThat(failureFor(FakeOpenRouter.noCredits(null)).kind()).isEqualTo(FailureKind.CREDITS);
        assertThat(failureFor(FakeOpenRouter.Reply.json(400, """
                {"error":{"code":400,"message":"flagged","metadata":{"error_type":"content_policy_violation"}}}""")).kind()).isEqualTo(FailureKind.MODERATION);
        ModelCallException limited = failureFor(
                FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}")
                        .withHeader("Retry-After", "3"));
        assertThat(limited.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(failureFor(FakeOpenRouter.Reply.json(200, """
                {"created":1,"data":[],"error":{"code":502,"message":"Provider disconnected"}}""")
                                .offContract("an error inside a 200, documented for chat only"))
                        .kind())
                .isEqualTo(FailureKind.TRANSIENT);
        ModelCallException empty = failureFor(FakeOpenRouter.Reply.json(
                200,
                "{\"created\":1,\"data\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":0,"
                        + "\"total_tokens\":1,\"cost\":0.01}}"));
        assertThat(empty.kind()).isEqualTo(FailureKind.NO_IMAGE);
        assertThat(empty.costUsd()).isEqualTo(0.01);
        assertThat(failureFor(FakeOpenRouter.Reply.json(
                                200, "{\"created\":1,\"data\":[{\"b64_json\":\"%%%\",\"media_type\":\"image/png\"}]}"))
                        .kind())
                .isEqualTo(FailureKind.INVALID_IMAGE);
    }

    @Test
    void aWholeImageUnderAWrongDeclaredTypeIsStoredWithItsRealType() throws Exception {
        String png = java.util.Base64.getEncoder().encodeToString(dev.imagegen.testing.TestPng.of(300, "x"));
        server.behaviour(c -> FakeOpenRouter.Reply.json(
                200, "{\"created\":1,\"data\":[{\"b64_json\":\"" + png + "\",\"media_type\":\"image/jpeg\"}]}"));
        assertThat(model().generate(new dev.imagegen.model.ImageRequest("p", 0, "x", null))
                        .images()
                        .get(0)
                        .mediaType())
                .isEqualTo("image/png");
    }
}
