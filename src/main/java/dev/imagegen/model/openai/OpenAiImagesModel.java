package dev.imagegen.model.openai;

import static dev.imagegen.model.ModelHttp.textOrNull;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Images API: {@code POST {base-url}/images/generations}, or {@code /images/edits} (its JSON form, with
 * {@code images: [{image_url}]}) when the row has reference images. {@code image-config} entries are sent as the
 * request's own fields ({@code size}, {@code quality}, {@code background}, {@code output_format}, ...). GPT image
 * models always answer with {@code b64_json}; OpenAI has no seed and returns no cost, so the cost is computed from
 * the usage's token types and their prices ({@link dev.imagegen.spec.OpenAiPrices}, or {@code model.pricing}).
 */
public final class OpenAiImagesModel implements ImageModel {

    static final String PROVIDER = "OpenAI";

    private final ModelSpec spec;
    private final HttpClient http;
    private final JsonMapper json;
    private final Clock clock;
    private final URI generations;
    private final URI edits;

    public OpenAiImagesModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.http = http;
        this.json = json;
        this.clock = clock;
        this.generations = URI.create(spec.baseUrl() + "/images/generations");
        this.edits = URI.create(spec.baseUrl() + "/images/edits");
    }

    @Override
    public int maxImagesPerCall() {
        return spec.imagesPerCall();
    }

    @Override
    public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
        ModelHttp.Response response = ModelHttp.exchange(
                http,
                request.hasReferences() ? edits : generations,
                Map.of("Authorization", "Bearer " + spec.apiKey().reveal()),
                json.writeValueAsBytes(requestBody(request)),
                spec.timeout(),
                spec.maxResponseBytes());
        JsonNode root = ModelHttp.parse(json, response.body(), response.status());
        if (response.status() != 200) {
            throw OpenAiErrors.classify(
                    response.status(),
                    root == null ? null : root.get("error"),
                    RateLimitHeaders.retryHint(response.headers(), clock.instant()),
                    spec.apiKey().reveal());
        }
        if (root == null) {
            throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not JSON");
        }
        return parseSuccess(root, response.headers().firstValue("x-request-id").orElse(null));
    }

    /** The JSON body of the request (the Batch API sends the same body in each line of its input file). */
    public ObjectNode requestBody(ImageRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", spec.name());
        body.put("prompt", request.prompt());
        if (request.count() > 1) {
            body.put("n", request.count());
        }
        spec.imageConfig().forEach((name, value) -> {
            // input_fidelity is a field of edits only: /images/generations does not take it.
            if (request.hasReferences() || !name.equals("input_fidelity")) {
                body.set(name, json.valueToTree(value));
            }
        });
        if (request.hasReferences()) {
            ArrayNode images = body.putArray("images");
            request.referenceUrls().forEach(url -> images.addObject().put("image_url", url));
        }
        return body;
    }

    /**
     * Each token type at its price: text and image input from {@code input_tokens_details}, text and image output
     * from {@code output_tokens_details}; without the details, input counts as text and output as image.
     */
    private double cost(JsonNode usage, long input, long output) {
        return costOf(spec.pricing(), usage);
    }

    /** What a response's {@code usage} costs at these prices, each token type at its own. */
    public static double costOf(ModelSpec.Pricing pricing, JsonNode usage) {
        long input = usage.path("input_tokens").asLong(0);
        long output = usage.path("output_tokens").asLong(0);
        JsonNode in = usage.path("input_tokens_details");
        JsonNode out = usage.path("output_tokens_details");
        long imageIn = in.path("image_tokens").asLong(0);
        long textIn = in.path("text_tokens").isNumber() ? in.path("text_tokens").asLong() : input - imageIn;
        long textOut = out.path("text_tokens").asLong(0);
        long imageOut =
                out.path("image_tokens").isNumber() ? out.path("image_tokens").asLong() : output - textOut;
        return pricing.estimate(textIn, imageIn, textOut, imageOut);
    }

    private Generation parseSuccess(JsonNode root, String requestId) throws ModelCallException {
        JsonNode usage = root.path("usage");
        long input = usage.path("input_tokens").asLong(0);
        long output = usage.path("output_tokens").asLong(0);
        double cost = cost(usage, input, output);
        Double billed = cost > 0 ? cost : null;
        JsonNode data = root.path("data");
        if (!data.isArray() || data.isEmpty()) {
            throw new ModelCallException(
                            FailureKind.NO_IMAGE, 200, "the response has no image (empty data)", null, billed)
                    .answered(true, requestId, spec.name(), PROVIDER, input, output);
        }
        String format = textOrNull(root, "output_format");
        String declared = format == null ? null : "image/" + format;
        List<ImageData> images = new ArrayList<>(data.size());
        List<String> rejected = new ArrayList<>();
        ModelCallException firstBad = null;
        for (JsonNode item : data) {
            try {
                String b64 = item.path("b64_json").asString("");
                if (b64.isEmpty()) {
                    throw new ModelCallException(
                            FailureKind.NO_IMAGE,
                            200,
                            item.has("url")
                                    ? "the image came as a URL (a dall-e response); use a GPT image model, which returns "
                                            + "b64_json"
                                    : "a data item without b64_json",
                            null,
                            billed);
                }
                images.add(ModelHttp.decodeBase64Image(b64, declared, billed));
            } catch (ModelCallException e) {
                // One bad image of n: the valid ones are kept (they are paid for), a failure only for this one.
                firstBad = firstBad == null ? e : firstBad;
                rejected.add(e.getMessage());
            }
        }
        if (images.isEmpty()) {
            throw firstBad.answered(true, requestId, spec.name(), PROVIDER, input, output);
        }
        String revised = data.get(0) == null ? null : textOrNull(data.get(0), "revised_prompt");
        return new Generation(images, requestId, spec.name(), PROVIDER, input, output, cost, true, revised, rejected);
    }
}
