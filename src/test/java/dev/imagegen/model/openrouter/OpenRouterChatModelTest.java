package dev.imagegen.model.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.TestPng;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class OpenRouterChatModelTest {

    private final FakeOpenRouter server = new FakeOpenRouter();

    @AfterEach
    void close() {
        server.close();
    }

    private OpenRouterChatModel model(long maxResponse, Duration timeout) {
        ModelSpec spec = ModelSpec.builder("openrouter", "openai/gpt-5.4-image-2")
                .baseUrl(URI.create(server.baseUrl()))
                .apiKey(Secret.of("sk-test-secret"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of("aspect_ratio", "16:9"))
                .seed(7L)
                .maxTokens(4096)
                .timeout(timeout)
                .referer("https://example.org/app")
                .title("imagegen-test")
                .pricing(new ModelSpec.Pricing(8, 15))
                .maxResponseBytes(maxResponse)
                .build();
        return new OpenRouterChatModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    private OpenRouterChatModel model() {
        return model(64L << 20, Duration.ofSeconds(5));
    }

    @Test
    void sendsTheDocumentedRequest() throws Exception {
        model().generate(new ImageRequest("p1", 0, "a red fox", 9L));

        FakeOpenRouter.Call call = server.received().get(0);
        assertThat(call.authorization()).isEqualTo("Bearer sk-test-secret");
        assertThat(call.body().path("model").asString()).isEqualTo("openai/gpt-5.4-image-2");
        assertThat(call.body().path("modalities").toString()).isEqualTo("[\"image\",\"text\"]");
        assertThat(call.body().path("messages").path(0).path("role").asString()).isEqualTo("user");
        assertThat(call.body().path("image_config").path("aspect_ratio").asString())
                .isEqualTo("16:9");
        assertThat(call.body().path("seed").asLong()).isEqualTo(9);
        assertThat(call.body().path("max_tokens").asInt()).isEqualTo(4096);
    }

    private OpenRouterChatModel model(String name, java.util.List<String> modalities, String tokenField) {
        ModelSpec spec = ModelSpec.builder("openrouter", name)
                .baseUrl(URI.create(server.baseUrl()))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of())
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(8, 15))
                .maxResponseBytes(64L << 20)
                .build()
                .withChatFields(modalities, tokenField);
        return new OpenRouterChatModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    @Test
    void anImageOnlyModelIsAskedForImagesOnlyAfterOneUnbilled404() throws Exception {
        OpenRouterChatModel flux = model("black-forest-labs/flux.2-pro", java.util.List.of(), null);

        flux.generate(new ImageRequest("p1", 0, "a red fox", 9L));
        flux.generate(new ImageRequest("p2", 0, "a blue fox", 9L));

        assertThat(server.unroutable())
                .singleElement()
                .satisfies(b -> assertThat(b.path("modalities").toString()).isEqualTo("[\"image\",\"text\"]"));
        assertThat(server.received())
                .hasSize(2)
                .allSatisfy(
                        c -> assertThat(c.body().path("modalities").toString()).isEqualTo("[\"image\"]"));
        assertThat(server.billedTotal()).isEqualTo(2);
    }

    @Test
    void modalitiesAndTheTokenFieldTheCheckChoseAreSent() throws Exception {
        model("black-forest-labs/flux.2-pro", ModelSpec.IMAGE_ONLY, ModelSpec.MAX_COMPLETION_TOKENS)
                .generate(new ImageRequest("p1", 0, "a red fox", 9L));

        assertThat(server.unroutable()).isEmpty();
        var body = server.received().get(0).body();
        assertThat(body.path("modalities").toString()).isEqualTo("[\"image\"]");
        assertThat(body.path("max_completion_tokens").asInt()).isEqualTo(4096);
        assertThat(body.has("max_tokens")).isFalse();
    }

    @Test
    void runningOutOfTokensBeforeTheImageNamesModelMaxTokens() {
        server.behaviour(c -> FakeOpenRouter.Reply.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"system_fingerprint":null,"model":"m",\
                "choices":[{"index":0,"finish_reason":"length","native_finish_reason":"MAX_TOKENS","message":\
                {"role":"assistant","content":"Let me think about the composition first..."}}],\
                "usage":{"prompt_tokens":12,"completion_tokens":4096,"total_tokens":4108,"cost":0.06}}"""));

        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p1", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.MAX_TOKENS);
        assertThat(e.kind().action()).isEqualTo(FailureKind.Action.STOP);
        assertThat(e.getMessage()).contains("model.max-tokens (4096");
        assertThat(e.costUsd()).isEqualTo(0.06);

        server.behaviour(c -> FakeOpenRouter.Reply.json(400, """
                {"error":{"code":400,"message":"max tokens reached","metadata":{"error_type":"max_tokens_exceeded"}}}\
                """));
        ModelCallException typed = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p1", 0, "x", null)));
        assertThat(typed.kind()).isEqualTo(FailureKind.MAX_TOKENS);
        assertThat(typed.getMessage()).contains("raise model.max-tokens");
    }

    @Test
    void parsesImagesUsageAndIds() throws Exception {
        Generation g = model().generate(new ImageRequest("p1", 0, "a red fox", 9L));

        assertThat(g.images()).hasSize(1);
        assertThat(g.images().get(0).mediaType()).isEqualTo("image/png");
        assertThat(g.images().get(0).width()).isPositive();
        // Decoded where its base64 lay in the body: one array per call, not the body and a copy.
        assertThat(g.images().get(0).buffer().length)
                .isGreaterThan(g.images().get(0).length() * 4 / 3);
        assertThat(g.costUsd()).isEqualTo(0.04);
        assertThat(g.costEstimated()).isFalse();
        assertThat(g.promptTokens()).isEqualTo(12);
        assertThat(g.completionTokens()).isEqualTo(1290);
        assertThat(g.generationId()).startsWith("gen-");
        assertThat(g.provider()).isEqualTo("FakeProvider");
        assertThat(g.text()).isEqualTo("Here is your image.");
    }

    @Test
    void acceptsImagesWithoutATypeAndEstimatesAMissingCost() throws Exception {
        String png = Base64.getEncoder().encodeToString(TestPng.of(500, "x"));
        server.behaviour(c -> FakeOpenRouter.Reply.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"system_fingerprint":null,"model":"m",\
                "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",\
                "images":[{"image_url":{"url":"data:image/png;base64,%s"}}]}}],\
                "usage":{"prompt_tokens":1000000,"completion_tokens":1000000,"total_tokens":2000000}}""".formatted(png)));

        Generation g = model().generate(new ImageRequest("p1", 0, "x", null));

        assertThat(g.costEstimated()).isTrue();
        assertThat(g.costUsd()).isEqualTo(23.0); // $8/M in + $15/M out
    }

    private Generation answeredWith(String imageItem) throws Exception {
        return answeredWith(imageItem, null);
    }

    /** @param offContract why the reply breaks the published document, or null when it does not */
    private Generation answeredWith(String imageItem, String offContract) throws Exception {
        server.behaviour(c -> withContract(FakeOpenRouter.Reply.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"system_fingerprint":null,"model":"m",\
                "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",\
                "images":[%s]}}],\
                "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost":0.01}}""".formatted(imageItem)), offContract));
        return model().generate(new ImageRequest("p1", 0, "x", null));
    }

    private static FakeOpenRouter.Reply withContract(FakeOpenRouter.Reply reply, String offContract) {
        return offContract == null ? reply : reply.offContract(offContract);
    }

    @Test
    void aDataUrlFollowedByMorePropertiesAndWhiteSpaceIsReadToItsEnd() throws Exception {
        byte[] png = TestPng.of(3000, "tail");
        String b64 = Base64.getEncoder().encodeToString(png);

        Generation g = answeredWith(
                "{\"image_url\" : { \"url\" : \"data:image/png;base64," + b64
                        + "\" \n , \"detail\":\"auto\" } , \"type\":\"image_url\"}",
                "image_url.detail, which the document lists for requests only: a provider adding a property");

        assertThat(g.images()).hasSize(1);
        assertThat(g.images().get(0).bytes()).isEqualTo(png);
    }

    @Test
    void aDataUrlWithJsonEscapesIsDecodedAsItsText() throws Exception {
        byte[] png = TestPng.of(3000, "escaped");
        String plain = Base64.getEncoder().encodeToString(png);
        // An encoder that escapes every '/' and wraps the base64 in lines, as MIME does: from the start, or only
        // after the first 400 characters (where the escapes are found only once strict base64 has failed).
        String lines =
                Base64.getMimeEncoder().encodeToString(png).replace("/", "\\/").replace("\r\n", "\\r\\n");
        String late = plain.substring(0, 400)
                + plain.substring(400)
                        .replaceAll("(.{76})", "$1\r\n")
                        .replace("/", "\\/")
                        .replace("\r\n", "\\r\\n");
        for (String url : new String[] {
            "data:image/png;base64," + lines, "data:image\\/png;base64," + plain, "data:image/png;base64," + late
        }) {
            Generation g = answeredWith("{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}");

            String what = url.substring(0, 30);
            assertThat(g.images()).as(what).hasSize(1);
            assertThat(g.images().get(0).bytes()).as(what).isEqualTo(png);
            assertThat(g.images().get(0).mediaType()).as(what).isEqualTo("image/png");
        }
    }

    @Test
    void corruptBase64IsAnInvalidImageThatKeepsWhatWasBilled() {
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class,
                () -> answeredWith("{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
                        + "iVBORw0KGgo*!not-base64\"}}"));

        assertThat(e.kind()).isEqualTo(FailureKind.INVALID_IMAGE);
        assertThat(e.costUsd()).isEqualTo(0.01);
    }

    @Test
    void anErrorInsideA200IsClassifiedAndKeepsWhatWasBilled() {
        server.behaviour(c -> FakeOpenRouter.Reply.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"system_fingerprint":null,"model":"m",\
                "error":{"code":503,"message":"upstream overloaded"},"choices":[],\
                "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost":0.001}}"""));

        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p1", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.costUsd()).isEqualTo(0.001);
    }

    @Test
    void retryAfterIsRead() {
        server.behaviour(c -> FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"slow\"}}")
                .withHeader("Retry-After", "7"));

        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p1", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aResponseOverTheCapIsRejectedWithoutReadingItWhole() {
        server.imageBytes(200_000);
        assertThatThrownBy(() -> model(50_000, Duration.ofSeconds(5)).generate(new ImageRequest("p", 0, "x", null)))
                .isInstanceOfSatisfying(
                        ModelCallException.class,
                        e -> assertThat(e.getMessage()).contains("exceeds the cap"));
    }

    @Test
    void aTimeoutIsTransient() {
        server.behaviour(c -> server.success(c).withDelay(2_000));
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class,
                () -> model(1 << 20, Duration.ofMillis(200)).generate(new ImageRequest("p", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.getMessage()).contains("model.timeout");
    }

    @Test
    void aNonJson200IsTransient() {
        server.behaviour(c -> FakeOpenRouter.Reply.json(200, "<html>gateway</html>"));
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void theKeyNeverAppearsInAFailureMessage() {
        server.behaviour(FakeOpenRouter::unauthorized);
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p", 0, "x", null)));
        assertThat(e.kind()).isEqualTo(FailureKind.AUTH);
        assertThat(e.getMessage()).doesNotContain("sk-test-secret");
    }
}
