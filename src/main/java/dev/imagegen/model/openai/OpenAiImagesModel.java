package dev.imagegen.model.openai;

import static dev.imagegen.model.ModelHttp.textOrNull;

import dev.imagegen.model.DecodedImages;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ImagesApi;
import dev.imagegen.model.JsonCall;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
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
    private final JsonCall call;
    private final JsonMapper json;
    private final Clock clock;
    private final URI generations;
    private final URI edits;

    public OpenAiImagesModel(ModelSpec spec, HttpClient http, JsonMapper json, Clock clock) {
        this.spec = spec;
        this.call = JsonCall.of(spec, http, json, JsonCall.bearer(spec));
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
        return call.post(
                request.hasReferences() ? edits : generations,
                requestBody(request),
                (status, error, headers) -> OpenAiErrors.classify(
                        status,
                        error,
                        RateLimitHeaders.retryHint(headers, clock.instant()),
                        spec.apiKey().reveal()),
                ok -> parseSuccess(
                        call.root(ok), ok.headers().firstValue("x-request-id").orElse(null)));
    }

    /** The JSON body of the request (the Batch API sends the same body in each line of its input file). */
    public ObjectNode requestBody(ImageRequest request) {
        ObjectNode body = ImagesApi.requestBody(json, spec.name(), request);
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
     * What a response's {@code usage} costs at these prices, each token type at its own: text and image input from
     * {@code input_tokens_details}, text and image output from {@code output_tokens_details}; without the details,
     * input counts as text and output as image.
     */
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
        double cost = costOf(spec.pricing(), usage);
        Double billed = cost > 0 ? cost : null;
        String format = textOrNull(root, "output_format");
        String declared = format == null ? null : "image/" + format;
        DecodedImages decoded;
        try {
            decoded = ImagesApi.images(
                    root.path("data"),
                    billed,
                    item -> ImagesApi.b64Json(
                            item,
                            declared,
                            billed,
                            item.has("url")
                                    ? "the image came as a URL (a dall-e response); use a GPT image model, which returns "
                                            + "b64_json"
                                    : "a data item without b64_json"));
        } catch (ModelCallException e) {
            throw e.answered(true, requestId, spec.name(), PROVIDER, input, output);
        }
        JsonNode first = root.path("data").get(0);
        String revised = first == null ? null : textOrNull(first, "revised_prompt");
        return new Generation(
                decoded.images(),
                requestId,
                spec.name(),
                PROVIDER,
                input,
                output,
                cost,
                true,
                revised,
                decoded.rejected());
    }
}
