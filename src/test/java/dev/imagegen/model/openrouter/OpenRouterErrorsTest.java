package dev.imagegen.model.openrouter;

import java.time.Duration;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class OpenRouterErrorsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ModelCallException classify(int status, String body) {
        JsonNode root = JSON.readTree(body);
        return OpenRouterErrors.classify(status, root.get("error"), null, null);
    }

    @ParameterizedTest
    @CsvSource({
            "400, bad_request", "401, auth", "402, credits", "403, moderation", "404, model_unavailable",
            "408, transient", "413, bad_request", "422, bad_request", "429, rate_limited", "500, transient",
            "502, transient", "503, transient", "504, transient", "524, transient", "529, transient"})
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
        assertThat(e.getMessage()).contains("Input was flagged").contains("violence, hate").contains("OpenAI");
    }

    @Test
    void typedErrorsWinOverTheStatus() {
        assertThat(classify(400, """
                {"error":{"code":400,"message":"m","metadata":{"error_type":"content_policy_violation"}}}""").kind())
                .isEqualTo(FailureKind.MODERATION);
        assertThat(classify(502, """
                {"error":{"code":502,"message":"m","metadata":{"error_type":"provider_unavailable"}}}""").kind())
                .isEqualTo(FailureKind.TRANSIENT);
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

    @Test
    void aStringCodeIsAccepted() {
        assertThat(classify(200, "{\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}").kind())
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classify(200, "{\"error\":{\"code\":\"429\",\"message\":\"slow\"}}").kind())
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
