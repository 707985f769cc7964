package dev.imagegen.model.openrouter;

import dev.imagegen.model.DecodedImages;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.ModelSpec;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenRouter's chat completions with image output: {@code POST {base-url}/chat/completions} with
 * {@code modalities: ["image","text"]}, or {@code ["image"]} for a model that outputs no text; images come back as data URLs in {@code choices[0].message.images}.
 * Reference images go as {@code image_url} content parts after the text; fallback models as {@code models}, routing
 * preferences as {@code provider}. The response's {@code model} and {@code provider} say who actually drew.
 */
public final class OpenRouterChatModel implements ImageModel {

    private static final Logger log = LoggerFactory.getLogger(OpenRouterChatModel.class);

    private final ModelSpec spec;
    private final JsonMapper json;
    private final OpenRouterEndpoint endpoint;
    /** What to ask for: from the job file or the capability check, or learnt from OpenRouter's 404 (see below). */
    private volatile List<String> modalities;

    public OpenRouterChatModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.json = json;
        this.endpoint = new OpenRouterEndpoint(spec, "/chat/completions", http, json, clock);
        this.modalities = spec.chatModalities();
    }

    /**
     * One call. A model that outputs no text is refused with an unbilled 404 "No endpoints found that support the
     * requested output modalities: image, text" when asked for text too (the check normally knows this from the
     * catalogue; with {@code --skip-check} it does not): then every later call asks for {@code ["image"]}, and this
     * one is sent again at once.
     */
    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        List<String> asked = modalities;
        try {
            return generateOnce(request, asked);
        } catch (ModelCallException e) {
            if (!asked.contains("text") || !unsupportedModalities(e)) {
                throw e;
            }
            modalities = ModelSpec.IMAGE_ONLY;
            log.warn(
                    "model {} outputs no text: asking for modalities [image] from now on (set model.modalities: "
                            + "[image] or let imagegen check find it)",
                    spec.name());
            return generateOnce(request, ModelSpec.IMAGE_ONLY);
        }
    }

    /** {@link OpenRouterErrors#classify}, with a message naming model.max-tokens when the answer ran out of them. */
    private ModelCallException classified(int status, JsonNode error, Duration retryAfter, Double billed) {
        ModelCallException e = OpenRouterErrors.classify(status, error, retryAfter, billed);
        return e.kind() == FailureKind.MAX_TOKENS
                ? OpenRouterErrors.tokensTooFew(spec.maxTokens(), spec.tokenField(), e.httpStatus(), billed)
                : e;
    }

    private static boolean unsupportedModalities(ModelCallException e) {
        return e.httpStatus() != null
                && e.httpStatus() == 404
                && e.getMessage() != null
                && e.getMessage().contains("support the requested output modalities");
    }

    /** One POST through {@link OpenRouterEndpoint}; a 200 is read as a completion (its images found without a tree). */
    private Generation generateOnce(ImageRequest request, List<String> asked)
            throws ModelCallException, InterruptedException {
        return endpoint.post(
                requestBody(request, asked),
                (status, error, headers) -> classified(status, error, endpoint.retryAfter(headers), null),
                ok -> parseSuccess(completion(ok.body()), ok));
    }

    private ChatCompletionReader.ChatCompletion completion(byte[] body) throws ModelCallException {
        try {
            return ChatCompletionReader.read(json, body);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new ModelCallException(
                    FailureKind.TRANSIENT,
                    200,
                    "a 200 whose body is not a JSON completion (" + body.length + " bytes): " + e.getMessage());
        }
    }

    ObjectNode requestBody(ImageRequest request) {
        return requestBody(request, modalities);
    }

    private ObjectNode requestBody(ImageRequest request, List<String> asked) {
        ObjectNode body = json.createObjectNode();
        body.put("model", spec.name());
        if (!spec.fallbackModels().isEmpty()) {
            ArrayNode models = body.putArray("models").add(spec.name());
            spec.fallbackModels().forEach(models::add);
        }
        ArrayNode outputs = body.putArray("modalities");
        asked.forEach(outputs::add);
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        if (request.hasReferences()) {
            // The text first, then the images: what OpenRouter's docs recommend for image inputs.
            ArrayNode parts = message.putArray("content");
            parts.addObject().put("type", "text").put("text", request.prompt());
            for (String url : request.referenceUrls()) {
                parts.addObject()
                        .put("type", "image_url")
                        .putObject("image_url")
                        .put("url", url);
            }
        } else {
            message.put("content", request.prompt());
        }
        // max_completion_tokens where the model lists it (the document deprecates max_tokens), else max_tokens.
        body.put(spec.tokenField(), spec.maxTokens());
        if (!spec.imageConfig().isEmpty()) {
            body.set("image_config", json.valueToTree(spec.imageConfig()));
        }
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        if (!spec.providerRouting().isEmpty()) {
            body.set("provider", json.valueToTree(spec.providerRouting()));
        }
        return body;
    }

    private Generation parseSuccess(ChatCompletionReader.ChatCompletion c, ModelHttp.Response ok)
            throws ModelCallException {
        OpenRouterUsage usage = OpenRouterUsage.of(c.usage(), spec.pricing());
        String id = c.id() != null ? c.id() : OpenRouterEndpoint.generationId(ok.headers());
        try {
            return parseAnswer(c, ok.body(), endpoint.retryAfter(ok.headers()), id, usage);
        } catch (ModelCallException e) {
            // A failure inside a 200 is billed like a success (an error, finish_reason "error", no image): the
            // ledger keeps what the answer said about it.
            throw e.answered(
                    usage.estimated(), id, c.model(), c.provider(), usage.promptTokens(), usage.completionTokens());
        }
    }

    private Generation parseAnswer(
            ChatCompletionReader.ChatCompletion c, byte[] body, Duration retryAfter, String id, OpenRouterUsage usage)
            throws ModelCallException {
        Double billed = usage.billed();
        if (c.error() != null && c.error().isObject()) {
            throw classified(200, c.error(), retryAfter, billed);
        }
        if (c.choiceError() != null && c.choiceError().isObject()) {
            throw classified(200, c.choiceError(), retryAfter, billed);
        }
        String finish = c.finishReason() == null ? "" : c.finishReason();
        String text = c.text();
        String nativeReason = c.nativeFinishReason() == null ? "" : ", native " + c.nativeFinishReason();
        if (finish.equals("content_filter")) {
            throw new ModelCallException(
                    FailureKind.MODERATION,
                    200,
                    "refused by the content filter" + nativeReason
                            + (text == null || text.isBlank() ? "" : ": " + ModelHttp.clip(text)),
                    null,
                    billed);
        }
        if (finish.equals("error")) {
            throw new ModelCallException(
                    FailureKind.TRANSIENT,
                    200,
                    "the provider ended the response with an error" + nativeReason,
                    retryAfter,
                    billed);
        }
        if (c.images().isEmpty() && finish.equals("length")) {
            throw OpenRouterErrors.tokensTooFew(spec.maxTokens(), spec.tokenField(), 200, billed);
        }
        if (c.images().isEmpty()) {
            throw new ModelCallException(
                    FailureKind.NO_IMAGE,
                    200,
                    "the response has no image (finish_reason "
                            + (finish.isEmpty() ? "none" : finish) + nativeReason + ")"
                            + (text == null || text.isBlank() ? "" : ": " + ModelHttp.clip(text)),
                    null,
                    billed);
        }
        DecodedImages decoded = DecodedImages.of(
                c.images(),
                ref -> ref.text() != null
                        ? DataUrls.decode(ref.text(), billed)
                        : DataUrls.decode(body, ref.start(), ref.end(), billed));
        return new Generation(
                decoded.images(),
                id,
                c.model(),
                c.provider(),
                usage.promptTokens(),
                usage.completionTokens(),
                usage.cost(),
                usage.estimated(),
                text,
                decoded.rejected());
    }

    /** For tests and the capability check: the exact JSON this client sends. */
    Map<String, Object> describeRequest(ImageRequest request) {
        return json.convertValue(requestBody(request), Map.class);
    }
}
