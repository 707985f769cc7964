package dev.imagegen.model.openrouter;

import static dev.imagegen.model.ModelHttp.textOrNull;

import dev.imagegen.model.BoundedBody;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenRouter's dedicated Image API: {@code POST {base-url}/images} with the image options as top-level fields
 * ({@code size}, {@code resolution}, {@code aspect_ratio}, {@code quality}, ...), {@code n} for several images in one
 * call and {@code input_references} for image-to-image; images come back as raw base64 in {@code data[].b64_json}.
 * Errors use the same envelope as chat completions.
 */
public final class OpenRouterImagesModel implements ImageModel {

    /** The routing fields the Image API takes (ImageGenerationProviderPreferences); the others are not sent. */
    public static final Set<String> ROUTING_KEYS =
            Set.of("only", "order", "ignore", "sort", "allow_fallbacks", "options");

    private final ModelSpec spec;
    private final HttpClient http;
    private final JsonMapper json;
    private final Clock clock;
    private final URI endpoint;

    public OpenRouterImagesModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.http = http;
        this.json = json;
        this.clock = clock;
        this.endpoint = URI.create(spec.baseUrl() + "/images");
    }

    @Override
    public int maxImagesPerCall() {
        return spec.imagesPerCall();
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        if ("svg".equalsIgnoreCase(String.valueOf(spec.imageConfig().get("output_format")))) {
            // Never paid for and then discarded: an SVG is not an image this job can check and store.
            throw new ModelCallException(
                    FailureKind.MODEL_UNAVAILABLE,
                    null,
                    "model.image-config.output_format svg "
                            + "asks for vector images, which imagegen cannot check or store; use png, jpeg or webp");
        }
        ModelHttp.Response response = ModelHttp.exchange(
                http,
                endpoint,
                OpenRouterHeaders.of(spec),
                json.writeValueAsBytes(requestBody(request)),
                spec.timeout(),
                spec.maxResponseBytes());
        Duration retryAfter = BoundedBody.retryAfter(response.headers(), clock.instant());
        JsonNode root = ModelHttp.parse(json, response.body(), response.status());
        if (response.status() != 200) {
            throw OpenRouterErrors.classify(
                    response.status(), root == null ? null : root.get("error"), retryAfter, null);
        }
        if (root == null) {
            throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not JSON");
        }
        return parseSuccess(
                root,
                retryAfter,
                response.headers().firstValue("X-Generation-Id").orElse(null));
    }

    /** The chat API's {@code image_size: 0.5K} is the Image API's {@code resolution: "512"}. */
    public static Object resolution(Object value) {
        return "0.5K".equalsIgnoreCase(String.valueOf(value)) ? "512" : value;
    }

    /**
     * The chat API's {@code image_size} is the Image API's {@code resolution}: renamed, so one job file's
     * {@code image-config} works with both.
     */
    ObjectNode requestBody(ImageRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", spec.name());
        body.put("prompt", request.prompt());
        if (request.count() > 1) {
            body.put("n", request.count());
        }
        for (Map.Entry<String, Object> option : spec.imageConfig().entrySet()) {
            String name = option.getKey().equals("image_size") ? "resolution" : option.getKey();
            body.set(
                    name,
                    json.valueToTree(name.equals("resolution") ? resolution(option.getValue()) : option.getValue()));
        }
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        if (request.hasReferences()) {
            ArrayNode refs = body.putArray("input_references");
            for (String url : request.referenceUrls()) {
                refs.addObject().put("type", "image_url").putObject("image_url").put("url", url);
            }
        }
        Map<String, Object> routing = new LinkedHashMap<>(spec.providerRouting());
        routing.keySet().retainAll(ROUTING_KEYS);
        if (!routing.isEmpty()) {
            body.set("provider", json.valueToTree(routing));
        }
        return body;
    }

    private Generation parseSuccess(JsonNode root, Duration retryAfter, String headerId) throws ModelCallException {
        JsonNode usage = root.path("usage");
        long promptTokens = usage.path("prompt_tokens").asLong(0);
        long completionTokens = usage.path("completion_tokens").asLong(0);
        Double stated = OpenRouterUsage.cost(usage);
        boolean estimated = stated == null;
        double cost = estimated ? spec.pricing().estimate(promptTokens, completionTokens) : stated;
        // The Image API's documented response names neither model nor provider; take them when present.
        String model = textOrNull(root, "model");
        // The documented response has no id; OpenRouter sends the generation's as the X-Generation-Id header.
        String id = textOrNull(root, "id") != null ? textOrNull(root, "id") : headerId;
        try {
            return parseImages(
                    root,
                    retryAfter,
                    id,
                    model != null ? model : spec.name(),
                    textOrNull(root, "provider"),
                    promptTokens,
                    completionTokens,
                    cost,
                    estimated);
        } catch (ModelCallException e) {
            throw e.answered(estimated, id, model, textOrNull(root, "provider"), promptTokens, completionTokens);
        }
    }

    private Generation parseImages(
            JsonNode root,
            Duration retryAfter,
            String id,
            String model,
            String provider,
            long promptTokens,
            long completionTokens,
            double cost,
            boolean estimated)
            throws ModelCallException {
        Double billed = cost > 0 ? cost : null;
        if (root.get("error") != null && root.get("error").isObject()) {
            throw OpenRouterErrors.classify(200, root.get("error"), retryAfter, billed);
        }
        JsonNode data = root.path("data");
        if (!data.isArray() || data.isEmpty()) {
            throw new ModelCallException(
                    FailureKind.NO_IMAGE, 200, "the response has no image (empty data)", null, billed);
        }
        List<ImageData> images = new ArrayList<>(data.size());
        List<String> rejected = new ArrayList<>();
        ModelCallException firstBad = null;
        for (JsonNode item : data) {
            try {
                String b64 = item.path("b64_json").asString("");
                if (b64.isEmpty()) {
                    throw new ModelCallException(
                            FailureKind.NO_IMAGE, 200, "a data item without b64_json", null, billed);
                }
                images.add(ModelHttp.decodeBase64Image(b64, textOrNull(item, "media_type"), billed));
            } catch (ModelCallException e) {
                // One bad image of n: the valid ones are kept (they are paid for), a failure only for this one.
                firstBad = firstBad == null ? e : firstBad;
                rejected.add(e.getMessage());
            }
        }
        if (images.isEmpty()) {
            throw firstBad;
        }
        return new Generation(
                images, id, model, provider, promptTokens, completionTokens, cost, estimated, null, rejected);
    }
}
