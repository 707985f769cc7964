package dev.imagegen.model.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import dev.imagegen.testing.FakeOpenAI;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import dev.imagegen.testing.TestPng;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class OpenAiImagesModelTest {

    private final FakeOpenAI server = new FakeOpenAI();

    @AfterEach
    void close() {
        server.close();
    }

    private OpenAiImagesModel model() {
        ModelSpec spec = ModelSpec.builder("openai", "gpt-image-2")
                .baseUrl(URI.create(server.baseUrl()))
                .apiKey(Secret.of("sk-test-secret"))
                .imagesPerPrompt(4)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of("size", "1024x1024", "quality", "high"))
                .seed(7L)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(new ModelSpec.Pricing(5, 40))
                .maxResponseBytes(64L << 20)
                .imagesPerCall(4)
                .build();
        return new OpenAiImagesModel(
                spec, HttpClient.newHttpClient(), JsonMapper.builder().build(), Clock.systemUTC());
    }

    private ModelCallException failureFor(Reply reply) throws Exception {
        server.behaviour(c -> reply);
        return catchThrowableOfType(
                ModelCallException.class, () -> model().generate(new ImageRequest("p", 0, "x", 7L)));
    }

    @Test
    void generatesSeveralImagesInOneCallAndEstimatesTheCostFromTokens() throws Exception {
        Generation g = model().generate(new ImageRequest("p", 0, "a red fox", 7L, 3, List.of()));

        FakeOpenAI.Call call = server.received().get(0);
        assertThat(call.path()).isEqualTo("/v1/images/generations");
        assertThat(call.authorization()).isEqualTo("Bearer sk-test-secret");
        assertThat(call.body().path("n").asInt()).isEqualTo(3);
        assertThat(call.body().path("size").asString()).isEqualTo("1024x1024");
        assertThat(call.body().path("quality").asString()).isEqualTo("high");
        assertThat(call.body().has("seed")).isFalse();
        assertThat(g.images())
                .hasSize(3)
                .allSatisfy(i -> assertThat(i.mediaType()).isEqualTo("image/png"));
        assertThat(g.promptTokens()).isEqualTo(50);
        assertThat(g.completionTokens()).isEqualTo(3 * 4160);
        assertThat(g.costUsd()).isEqualTo((50 * 5 + 3 * 4160 * 40) / 1e6);
        assertThat(g.costEstimated()).isTrue();
        assertThat(g.generationId()).startsWith("req_");
        assertThat(g.model()).isEqualTo("gpt-image-2");
        assertThat(g.provider()).isEqualTo("OpenAI");
    }

    @Test
    void referenceImagesGoToTheJsonEditsEndpoint() throws Exception {
        model().generate(new ImageRequest(
                "p", 0, "make it blue", null, 1, List.of("https://example.com/a.png", "data:image/png;base64,AAAA")));

        FakeOpenAI.Call call = server.received().get(0);
        assertThat(call.path()).isEqualTo("/v1/images/edits");
        assertThat(call.body().path("images").toString())
                .isEqualTo(
                        "[{\"image_url\":\"https://example.com/a.png\"},{\"image_url\":\"data:image/png;base64,AAAA\"}]");
        assertThat(call.body().has("n")).isFalse();
    }

    @Test
    void classifiesEveryErrorShapeIntoTheSharedKinds() throws Exception {
        ModelCallException moderation = failureFor(FakeOpenAI.error(
                400, "rejected by the safety system", "image_generation_user_error", null, "moderation_blocked"));
        assertThat(moderation.kind()).isEqualTo(FailureKind.MODERATION);
        assertThat(moderation.httpStatus()).isEqualTo(400);
        assertThat(moderation.getMessage()).contains("safety system").contains("[moderation_blocked]");

        assertThat(failureFor(FakeOpenAI.error(400, "Invalid value", "invalid_request_error", "size", "invalid_value"))
                        .getMessage())
                .contains("(param size)");
        assertThat(failureFor(FakeOpenAI.error(400, "Invalid value", "invalid_request_error", "size", null))
                        .kind())
                .isEqualTo(FailureKind.BAD_REQUEST);
        assertThat(failureFor(FakeOpenAI.unauthorized(null)).kind()).isEqualTo(FailureKind.AUTH);
        assertThat(failureFor(FakeOpenAI.error(
                                403, "Your organization must be verified", "invalid_request_error", null, null))
                        .kind())
                .isEqualTo(FailureKind.AUTH);
        assertThat(failureFor(FakeOpenAI.error(
                                404, "The model does not exist", "invalid_request_error", null, "model_not_found"))
                        .kind())
                .isEqualTo(FailureKind.MODEL_UNAVAILABLE);
        assertThat(failureFor(FakeOpenAI.error(500, "server error", "server_error", null, null))
                        .kind())
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(failureFor(Reply.json(502, "<html>Bad gateway</html>")).kind())
                .isEqualTo(FailureKind.TRANSIENT);

        // insufficient_quota comes as a 429 but is no rate limit: the run stops instead of retrying.
        ModelCallException quota = failureFor(FakeOpenAI.noCredits(null).withHeader("retry-after", "20"));
        assertThat(quota.kind()).isEqualTo(FailureKind.CREDITS);
        assertThat(quota.retryAfter()).isNull();
    }

    @Test
    void aRateLimitWaitsForTheLimitThatIsUsedUp() throws Exception {
        ModelCallException e =
                failureFor(FakeOpenAI.error(429, "Rate limit reached", "requests", null, "rate_limit_exceeded")
                        .withHeader("x-ratelimit-remaining-requests", "0")
                        .withHeader("x-ratelimit-reset-requests", "1.5s")
                        .withHeader("x-ratelimit-remaining-tokens", "9000")
                        .withHeader("x-ratelimit-reset-tokens", "6m0s"));

        assertThat(e.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aKeyQuotedBackByTheProviderIsMasked() throws Exception {
        ModelCallException e = failureFor(FakeOpenAI.error(
                401, "Incorrect API key provided: sk-test-secret.", "invalid_request_error", null, "invalid_api_key"));
        assertThat(e.getMessage()).doesNotContain("sk-test-secret").contains("****");
    }

    @Test
    void aResponseWithoutUsableImagesIsNoImageOrInvalidImage() throws Exception {
        assertThat(failureFor(Reply.json(200, "{\"created\":1,\"data\":[]}")).kind())
                .isEqualTo(FailureKind.NO_IMAGE);
        ModelCallException url =
                failureFor(Reply.json(200, "{\"created\":1,\"data\":[{\"url\":\"https://x/y.png\"}]}"));
        assertThat(url.kind()).isEqualTo(FailureKind.NO_IMAGE);
        assertThat(url.getMessage()).contains("GPT image model");
        assertThat(failureFor(
                                Reply.json(
                                        200,
                                        "{\"created\":1,\"output_format\":\"png\",\"data\":"
                                                + "[{\"b64_json\":\"bm90IGFuIGltYWdl\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":100,"
                                                + "\"total_tokens\":110,\"input_tokens_details\":{\"text_tokens\":10,\"image_tokens\":0}}}"))
                        .kind())
                .isEqualTo(FailureKind.INVALID_IMAGE);
        assertThat(failureFor(Reply.json(200, "{not json")).kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void base64WrappedInLinesIsDecodedToo() throws Exception {
        byte[] png = TestPng.of(3000, "wrapped");
        String wrapped = Base64.getMimeEncoder().encodeToString(png).replace("\r\n", "\\n");
        server.behaviour(c -> Reply.json(
                200,
                "{\"created\":1,\"output_format\":\"png\",\"data\":[{\"b64_json\":\"" + wrapped
                        + "\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":100,\"total_tokens\":110,"
                        + "\"input_tokens_details\":{\"text_tokens\":10,\"image_tokens\":0}}}"));

        Generation g = model().generate(new ImageRequest("p", 0, "x", 7L));

        assertThat(g.images()).hasSize(1);
        assertThat(g.images().get(0).bytes()).isEqualTo(png);
    }
}
