package dev.imagegen.model.openrouter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OpenRouterErrorsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ModelCallException classify(int status, String body) {
        JsonNode root = JSON.readTree(body);
        return OpenRouterErrors.classify(status, root.get("error"), null, null);
    }

    @ParameterizedTest
    @CsvSource({
        "400, bad_request", "401, auth", "402, credits", "403, forbidden", "404, model_unavailable",
        "408, transient", "413, bad_request", "422, bad_request", "429, rate_limited", "500, transient",
        "502, transient", "503, transient", "504, transient", "524, transient", "529, transient"
    })
    void classifiesByStatus(int status, String kind) {
        ModelCallException e = classify(status, "{\"error\":{\"code\":" + status + ",\"message\":\"m\"}}");
        assertThat(e.kind().id()).isEqualTo(kind);
        assertThat(e.httpStatus()).isEqualTo(status);
    }

    @Test
    void moderationMessageCarriesTheReasonsAndProvider() {
        ModelCallException e = classify(403, """
                {"error":{"code":403,"message":"Input was flagged","metadata":{"reasons":["violence","hate"],\
                "flagged_input":"x","provider_name":"OpenAI","model_slug":"m"}}}""");
        assertThat(e.kind()).isEqualTo(FailureKind.MODERATION);
        assertThat(e.getMessage())
                .contains("Input was flagged")
                .contains("violence, hate")
                .contains("OpenAI");
    }

    @Test
    void typedErrorsWinOverTheStatus() {
        assertThat(classify(400, """
                {"error":{"code":400,"message":"m","metadata":{"error_type":"content_policy_violation"}}}""").kind()).isEqualTo(FailureKind.MODERATION);
        assertThat(classify(502, """
                {"error":{"code":502,"message":"m","metadata":{"error_type":"provider_unavailable"}}}""").kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void availabilityErrorsWithoutACodeUseHttpStatusAndRetryable() {
        ModelCallException e = classify(429, """
                {"error":{"message":"All providers are at capacity","error_type":"rate_limit_exceeded",\
                "http_status":429,"availability":{"code":"capacity_exhausted","retryable":true,"retry_after":40}}}""");
        assertThat(e.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(40));

        ModelCallException gone = classify(404, """
                {"error":{"message":"No endpoints","http_status":404,"availability":{"code":"no_endpoints",\
                "retryable":false}}}""");
        assertThat(gone.kind()).isEqualTo(FailureKind.MODEL_UNAVAILABLE);
    }

    /** The spec's error_type list (errors-and-debugging.mdx, "Typed error codes") and what the job does. */
    @ParameterizedTest
    @CsvSource({
        "400, context_length_exceeded, bad_request",
        "400, max_tokens_exceeded, max_tokens",
        "400, token_limit_exceeded, credits",
        "400, string_too_long, bad_request",
        "401, authentication, auth",
        "403, permission_denied, forbidden",
        "402, payment_required, credits",
        "429, rate_limit_exceeded, rate_limited",
        "503, provider_overloaded, transient",
        "502, provider_unavailable, transient",
        "400, invalid_request, bad_request",
        "400, invalid_prompt, bad_request",
        "404, not_found, model_unavailable",
        "412, precondition_failed, bad_request",
        "413, payload_too_large, bad_request",
        "422, unprocessable, bad_request",
        "400, content_policy_violation, moderation",
        "400, refusal, moderation",
        "400, invalid_image, bad_reference",
        "400, image_too_large, bad_reference",
        "400, image_too_small, bad_reference",
        "400, unsupported_image_format, bad_reference",
        "404, image_not_found, bad_reference",
        "400, image_download_failed, bad_reference",
        "500, server, transient",
        "504, timeout, transient",
        "500, unmapped, transient"
    })
    void everyErrorTypeHasItsKind(int status, String type, String kind) {
        ModelCallException e = classify(
                status,
                "{\"error\":{\"code\":" + status + ",\"message\":\"m\"," + "\"metadata\":{\"error_type\":\"" + type
                        + "\"}}}");
        assertThat(e.kind().id()).as(type).isEqualTo(kind);
        assertThat(e.getMessage()).contains("[" + type + "]");
    }

    /** The availability codes ("Model availability errors"), with the HTTP status and error_type they come with. */
    @ParameterizedTest
    @CsvSource({
        "400, invalid_request, model_not_found, false, model_unavailable",
        "400, invalid_request, wrong_endpoint, false, model_unavailable",
        "404, not_found, no_endpoints, false, model_unavailable",
        "404, not_found, model_deprecated, false, model_unavailable",
        "404, not_found, model_unavailable_upstream, false, model_unavailable",
        "429, rate_limit_exceeded, capacity_exhausted, true, rate_limited",
        "503, provider_overloaded, temporarily_unavailable, true, transient",
        "403, permission_denied, region_restricted, false, forbidden",
        "404, not_found, privacy_restricted, false, model_unavailable",
        "404, not_found, constraint_filtered, false, model_unavailable",
        "404, not_found, free_variant_ended, false, model_unavailable",
        "404, not_found, no_endpoints, true, transient",
        "404, not_found, some_future_code, false, model_unavailable"
    })
    void everyAvailabilityCodeHasItsKind(int status, String type, String code, boolean retryable, String kind) {
        ModelCallException e = classify(status, """
                {"error":{"message":"m","error_type":"%s","http_status":%d,"availability":{"code":"%s",\
                "retryable":%s,"requested_models":["a/b"],"docs_url":"https://openrouter.ai/docs/errors"}}}""".formatted(type, status, code, retryable));
        assertThat(e.kind().id()).as(code).isEqualTo(kind);
        assertThat(e.getMessage()).contains("[availability: " + code + "]");
    }

    @Test
    void a403IsAModerationSkipOnlyWhenTheMetadataFlagsTheInput() {
        ModelCallException flagged = classify(403, """
                {"error":{"code":403,"message":"Input was flagged","metadata":{"reasons":["violence"],\
                "flagged_input":"a knife in...","provider_name":"OpenAI","model_slug":"openai/gpt-5.4-image-2"}}}""");
        assertThat(flagged.kind()).isEqualTo(FailureKind.MODERATION);
        assertThat(flagged.flaggedInput()).isEqualTo("a knife in...");
        assertThat(flagged.modelSlug()).isEqualTo("openai/gpt-5.4-image-2");

        ModelCallException guardrail = classify(403, """
                {"error":{"code":403,"message":"Request blocked: prompt injection patterns detected",\
                "metadata":{"patterns":["ignore all previous instructions"]}}}""");
        assertThat(guardrail.kind()).isEqualTo(FailureKind.FORBIDDEN);
        assertThat(guardrail.kind().action()).isEqualTo(FailureKind.Action.STOP);
        assertThat(classify(
                                403,
                                "{\"error\":{\"code\":403,\"message\":\"Only management keys can perform this "
                                        + "operation\"}}")
                        .kind())
                .isEqualTo(FailureKind.FORBIDDEN);
    }

    @Test
    void aStringCodeIsAccepted() {
        assertThat(classify(200, "{\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}")
                        .kind())
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classify(200, "{\"error\":{\"code\":\"429\",\"message\":\"slow\"}}")
                        .kind())
                .isEqualTo(FailureKind.RATE_LIMITED);
    }

    @Test
    void aMissingBodyStillClassifiesByStatus() {
        ModelCallException e = OpenRouterErrors.classify(503, null, Duration.ofSeconds(2), null);
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(e.getMessage()).contains("503");
    }
}
