package dev.imagegen.model.openrouter;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.imagegen.model.BoundedBody;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenRouter's chat completions with image output: {@code POST {base-url}/chat/completions} with
 * {@code modalities: ["image","text"]}; images come back as data URLs in {@code choices[0].message.images}.
 */
public final class OpenRouterChatModel implements ImageModel {

    private final ModelSpec spec;
    private final HttpClient http;
    private final JsonMapper json;
    private final Clock clock;
    private final URI endpoint;

    public OpenRouterChatModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.http = http;
        this.json = json;
        this.clock = clock;
        this.endpoint = URI.create(spec.baseUrl() + "/chat/completions");
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        HttpResponse<InputStream> response = send(request);
        byte[] body;
        try {
            body = BoundedBody.read(response.body(), response.headers(), spec.maxResponseBytes());
        } catch (BoundedBody.TooLarge e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, response.statusCode(), e.getMessage());
        } catch (IOException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, response.statusCode(),
                    "connection broke while reading the response: " + describe(e));
        }
        Duration retryAfter = BoundedBody.retryAfter(response.headers(), clock.instant());
        JsonNode root = parse(body, response.statusCode());
        if (response.statusCode() != 200) {
            throw OpenRouterErrors.classify(response.statusCode(), root == null ? null : root.get("error"),
                    retryAfter, null);
        }
        if (root == null) {
            throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not JSON");
        }
        return parseSuccess(root, retryAfter);
    }

    private HttpResponse<InputStream> send(ImageRequest request) throws ModelCallException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(spec.timeout())
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + spec.apiKey().reveal())
                .header("X-Title", spec.title())
                .header("X-OpenRouter-Title", spec.title())
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(requestBody(request))));
        if (spec.referer() != null) {
            b.header("HTTP-Referer", spec.referer());
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, null, "no response within " + spec.timeout()
                    .toSeconds() + "s (model.timeout)");
        } catch (IOException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, null, "connection failed: " + describe(e));
        }
    }

    ObjectNode requestBody(ImageRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", spec.name());
        body.putArray("modalities").add("image").add("text");
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", request.prompt());
        body.put("max_tokens", spec.maxTokens());
        if (!spec.imageConfig().isEmpty()) {
            body.set("image_config", json.valueToTree(spec.imageConfig()));
        }
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        return body;
    }

    private JsonNode parse(byte[] body, int status) throws ModelCallException {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            if (status == 200) {
                throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not valid JSON ("
                        + body.length + " bytes)");
            }
            return null;
        }
    }

    private Generation parseSuccess(JsonNode root, Duration retryAfter) throws ModelCallException {
        JsonNode usage = root.path("usage");
        long promptTokens = usage.path("prompt_tokens").asLong(0);
        long completionTokens = usage.path("completion_tokens").asLong(0);
        boolean estimated = !usage.path("cost").isNumber();
        double cost = estimated ? spec.pricing().estimate(promptTokens, completionTokens)
                : usage.path("cost").asDouble();
        Double billed = cost > 0 ? cost : null;

        if (root.get("error") != null && root.get("error").isObject()) {
            throw OpenRouterErrors.classify(200, root.get("error"), retryAfter, billed);
        }
        JsonNode choice = root.path("choices").path(0);
        if (choice.get("error") != null && choice.get("error").isObject()) {
            throw OpenRouterErrors.classify(200, choice.get("error"), retryAfter, billed);
        }
        String finish = choice.path("finish_reason").asString("");
        String text = choice.path("message").path("content").isString()
                ? choice.path("message").path("content").asString() : null;
        if (finish.equals("content_filter")) {
            throw new ModelCallException(FailureKind.MODERATION, 200, "refused by the content filter"
                    + nativeReason(choice) + (text == null || text.isBlank() ? "" : ": " + clip(text)), null, billed);
        }
        if (finish.equals("error")) {
            throw new ModelCallException(FailureKind.TRANSIENT, 200, "the provider ended the response with an error"
                    + nativeReason(choice), retryAfter, billed);
        }
        JsonNode images = choice.path("message").path("images");
        if (!images.isArray() || images.isEmpty()) {
            throw new ModelCallException(FailureKind.NO_IMAGE, 200, "the response has no image (finish_reason "
                    + (finish.isEmpty() ? "none" : finish) + nativeReason(choice) + ")"
                    + (text == null || text.isBlank() ? "" : ": " + clip(text)), null, billed);
        }
        List<ImageData> decoded = new ArrayList<>(images.size());
        for (JsonNode image : images) {
            decoded.add(decode(image.path("image_url").path("url").asString(""), billed));
        }
        return new Generation(decoded, textOrNull(root, "id"), textOrNull(root, "model"),
                textOrNull(root, "provider"), promptTokens, completionTokens, cost, estimated, text);
    }

    private static ImageData decode(String url, Double billed) throws ModelCallException {
        if (!url.startsWith("data:")) {
            throw new ModelCallException(FailureKind.NO_IMAGE, 200, "the image is not a data URL ("
                    + clip(url) + ")", null, billed);
        }
        int comma = url.indexOf(',');
        String header = comma > 0 ? url.substring(5, comma) : "";
        if (comma < 0 || !header.endsWith(";base64")) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, "the image data URL is not base64",
                    null, billed);
        }
        String declared = header.substring(0, header.length() - ";base64".length());
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, "the image's base64 is corrupt: "
                    + e.getMessage(), null, billed);
        }
        try {
            return ImageProbe.inspect(bytes, declared.isEmpty() ? null : declared);
        } catch (ImageProbe.InvalidImageException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, e.getMessage(), null, billed);
        }
    }

    private static String nativeReason(JsonNode choice) {
        String reason = choice.path("native_finish_reason").asString("");
        return reason.isEmpty() ? "" : ", native " + reason;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** The exception's class and message; request headers (so the key) are never part of either. */
    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** For tests and the capability check: the exact JSON this client sends. */
    Map<String, Object> describeRequest(ImageRequest request) {
        return json.convertValue(requestBody(request), Map.class);
    }
}
