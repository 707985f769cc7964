package dev.imagegen.check;

import tools.jackson.databind.JsonNode;

/**
 * What the capability check's GETs told about money, for {@code imagegen plan} and the plan line of {@code run}:
 * the key's {@code limit_remaining} (OpenRouter {@code GET /key}; null when the key has no limit or the provider does
 * not say) and the model's catalogue price (null when the catalogue gives none).
 */
public record ProviderFacts(Double keyLimitRemaining, CataloguePrice price) {

    public static final ProviderFacts NONE = new ProviderFacts(null, null);

    /**
     * The catalogue's list price of the model, in USD: per prompt and completion token and per request (chat,
     * {@code GET /models} {@code pricing}, sent as strings), per output image (chat {@code pricing.image_output}, or the
     * Image API endpoint's {@code output_image} line per image). A price the catalogue does not give is null.
     * {@code source} says where it was read, e.g. {@code GET /models}.
     */
    public record CataloguePrice(
            Double promptPerToken, Double completionPerToken, Double perRequest, Double perOutputImage, String source) {

        /** From a chat model's {@code pricing} object; null when it has neither token prices nor an image price. */
        static CataloguePrice ofChat(JsonNode pricing, String source) {
            if (pricing == null || !pricing.isObject()) {
                return null;
            }
            CataloguePrice p = new CataloguePrice(
                    number(pricing.get("prompt")),
                    number(pricing.get("completion")),
                    number(pricing.get("request")),
                    number(pricing.get("image_output")),
                    source);
            return p.promptPerToken == null && p.completionPerToken == null && p.perOutputImage == null ? null : p;
        }

        /**
         * From an Image API endpoint's {@code pricing} lines: the {@code output_image} price per image — the line
         * without a {@code variant}, else the dearest variant (the plan does not know which quality will be billed).
         * A megapixel or token price needs the image's size, which the plan does not know, so it is left out.
         */
        static CataloguePrice ofImageEndpoint(JsonNode lines, String source) {
            if (lines == null || !lines.isArray()) {
                return null;
            }
            Double plain = null;
            Double dearest = null;
            for (JsonNode line : lines) {
                if ("output_image".equals(line.path("billable").asString(""))
                        && "image".equals(line.path("unit").asString(""))
                        && line.path("cost_usd").isNumber()) {
                    double usd = line.path("cost_usd").asDouble();
                    if (line.hasNonNull("variant")) {
                        dearest = dearest == null ? usd : Math.max(dearest, usd);
                    } else if (plain == null) {
                        plain = usd;
                    }
                }
            }
            Double perImage = plain != null ? plain : dearest;
            return perImage == null ? null : new CataloguePrice(null, null, null, perImage, source);
        }

        private static Double number(JsonNode n) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (n.isNumber()) {
                return n.asDouble();
            }
            try {
                return Double.parseDouble(n.asString(""));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
