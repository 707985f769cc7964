package dev.imagegen.model.openrouter;

import static dev.imagegen.model.ModelHttp.textOrNull;

import dev.imagegen.model.DecodedImages;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ImagesApi;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.util.LinkedHashMap;
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
    private final JsonMapper json;
    private final OpenRouterEndpoint endpoint;

    public OpenRouterImagesModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.json = json;
        this.endpoint = new OpenRouterEndpoint(spec, "/images", http, json, clock);
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
        return endpoint.post(
                requestBody(request),
                (status, error, headers) ->
                        OpenRouterErrors.classify(status, error, endpoint.retryAfter(headers), null),
                ok -> parseSuccess(endpoint.root(ok), ok.headers()));
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
        ObjectNode body = ImagesApi.requestBody(json, spec.name(), request);
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

    private Generation parseSuccess(JsonNode root, HttpHeaders headers) throws ModelCallException {
        OpenRouterUsage usage = OpenRouterUsage.of(root.path("usage"), spec.pricing());
        // The Image API's documented response names neither model nor provider; take them when present.
        String model = textOrNull(root, "model");
        String provider = textOrNull(root, "provider");
        // The documented response has no id; OpenRouter sends the generation's as the X-Generation-Id header.
        String id = textOrNull(root, "id") != null ? textOrNull(root, "id") : OpenRouterEndpoint.generationId(headers);
        DecodedImages decoded;
        try {
            Double billed = usage.billed();
            if (root.get("error") != null && root.get("error").isObject()) {
                throw OpenRouterErrors.classify(200, root.get("error"), endpoint.retryAfter(headers), billed);
            }
            decoded = ImagesApi.images(
                    root.path("data"),
                    billed,
                    item -> ImagesApi.b64Json(
                            item, textOrNull(item, "media_type"), billed, "a data item without b64_json"));
        } catch (ModelCallException e) {
            throw e.answered(usage.estimated(), id, model, provider, usage.promptTokens(), usage.completionTokens());
        }
        return new Generation(
                decoded.images(),
                id,
                model != null ? model : spec.name(),
                provider,
                usage.promptTokens(),
                usage.completionTokens(),
                usage.cost(),
                usage.estimated(),
                null,
                decoded.rejected());
    }
}
