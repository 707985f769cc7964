package dev.imagegen.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The validator itself: what conforms passes, an invented field or a wrong value is a violation. */
class OpenApiContractTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    @Test
    void aConformingChatRequestPassesAndAnInventedFieldDoesNot() {
        OpenApiContract c = OpenApiContract.openRouter();
        assertThat(c.requestViolations("POST", "/chat/completions", "application/json", json("""
                {"model":"m","modalities":["image"],"messages":[{"role":"user","content":"a fox"}],\
                "max_completion_tokens":100,"image_config":{"aspect_ratio":"1:1"},"provider":{"only":["openai"]}}\
                """)))
                .isEmpty();

        assertThat(c.requestViolations("POST", "/chat/completions", "application/json", json("""
                {"model":"m","messages":[{"role":"user","content":"a fox"}],"modality":["image"]}""")))
                .singleElement()
                .asString()
                .contains("modality");
        assertThat(c.requestViolations("POST", "/images", "application/json", json("""
                {"model":"m","prompt":"a fox","resolution":"0.5K"}""")))
                .isNotEmpty();
        assertThat(c.requestViolations("POST", "/images", "application/json", json("""
                {"model":"m","prompt":"a fox","image_size":"1K"}""")))
                .isNotEmpty();
        assertThat(c.requestViolations("POST", "/images", "application/json", json("""
                {"model":"m","prompt":"a fox","resolution":"512","provider":{"zdr":true}}""")))
                .isNotEmpty();
    }

    @Test
    void responsesAreCheckedAgainstTheirStatusAndNestedObjectsAreClosedToo() {
        OpenApiContract c = OpenApiContract.openRouter();
        assertThat(c.responseViolations("POST", "/images", 200, "application/json", json("""
                {"created":1,"data":[{"b64_json":"AAAA","media_type":"image/png"}],\
                "usage":{"prompt_tokens":0,"completion_tokens":1,"total_tokens":1,"cost":0.04}}""")))
                .isEmpty();
        assertThat(c.responseViolations("POST", "/images", 200, "application/json", json("""
                {"created":1,"data":[{"b64_json":"AAAA","mime":"image/png"}]}""")))
                .isNotEmpty();
        // 503 is not listed for /images: the envelope of another operation's 503 applies.
        assertThat(c.responseViolations("POST", "/images", 503, "application/json", json("""
                {"error":{"code":503,"message":"down"}}""")))
                .isEmpty();
        assertThat(c.responseViolations("POST", "/images", 503, "application/json", json("""
                {"error":{"message":"down"}}""")))
                .isNotEmpty();
    }

    @Test
    void theOpenAiExtractCoversImagesFilesAndBatches() {
        OpenApiContract c = OpenApiContract.openAi();
        assertThat(c.operationsByTemplate())
                .containsKeys(
                        "POST /images/generations",
                        "POST /images/edits",
                        "POST /files",
                        "GET /files/{file_id}/content",
                        "POST /batches",
                        "POST /batches/{batch_id}/cancel",
                        "GET /models/{model}");
        assertThat(c.requestViolations("POST", "/images/generations", "application/json", json("""
                {"model":"gpt-image-2","prompt":"a fox","n":2,"size":"1536x864","quality":"high"}""")))
                .isEmpty();
        assertThat(c.requestViolations("POST", "/images/generations", "application/json", json("""
                {"model":"gpt-image-2","prompt":"a fox","input_fidelity":"high"}""")))
                .isNotEmpty();
        assertThat(c.requestViolations("POST", "/batches", "application/json", json("""
                {"input_file_id":"file-1","endpoint":"/v1/images/generations","completion_window":"24h"}""")))
                .as("issue 14 builds on these")
                .isEmpty();
        assertThat(c.responseViolations("POST", "/images/generations", 400, "application/json", json("""
                {"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}}""")))
                .isEmpty();
    }
}
