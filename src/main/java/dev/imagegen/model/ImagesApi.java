package dev.imagegen.model;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What OpenAI's Images API and OpenRouter's Image API have in common: a request of {@code model}, {@code prompt} and
 * {@code n}, and an answer whose images are raw base64 in {@code data[].b64_json}.
 */
public final class ImagesApi {

    private ImagesApi() {}

    /** The request's common fields; {@code n} only when more than one image is asked for. */
    public static ObjectNode requestBody(JsonMapper json, String model, ImageRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        body.put("prompt", request.prompt());
        if (request.count() > 1) {
            body.put("n", request.count());
        }
        return body;
    }

    /**
     * The images of {@code data}, each checked (see {@link DecodedImages}); an absent or empty array is
     * {@link FailureKind#NO_IMAGE}.
     *
     * @param billed what the call cost, carried by every failure so the money is still counted
     */
    public static DecodedImages images(JsonNode data, Double billed, DecodedImages.Decoder<JsonNode> decoder)
            throws ModelCallException {
        if (!data.isArray() || data.isEmpty()) {
            throw new ModelCallException(
                    FailureKind.NO_IMAGE, 200, "the response has no image (empty data)", null, billed);
        }
        return DecodedImages.of(data, decoder);
    }

    /**
     * One {@code data} item's {@code b64_json} as a checked image.
     *
     * @param declaredType the media type the answer states, or null
     * @param whenMissing  the failure's message when the item has no {@code b64_json}
     */
    public static ImageData b64Json(JsonNode item, String declaredType, Double billed, String whenMissing)
            throws ModelCallException {
        String b64 = item.path("b64_json").asString("");
        if (b64.isEmpty()) {
            throw new ModelCallException(FailureKind.NO_IMAGE, 200, whenMissing, null, billed);
        }
        return ModelHttp.decodeBase64Image(b64, declaredType, billed);
    }
}
