package dev.imagegen.model.openrouter;

import dev.imagegen.spec.ModelSpec;
import tools.jackson.databind.JsonNode;

/**
 * What an OpenRouter answer's {@code usage} says: its tokens and its cost — the stated one, or (when it states none)
 * an estimate from the tokens at {@code model.pricing}.
 */
record OpenRouterUsage(long promptTokens, long completionTokens, double cost, boolean estimated) {

    /** @param usage the answer's {@code usage}, or null */
    static OpenRouterUsage of(JsonNode usage, ModelSpec.Pricing pricing) {
        long promptTokens = usage == null ? 0 : usage.path("prompt_tokens").asLong(0);
        long completionTokens =
                usage == null ? 0 : usage.path("completion_tokens").asLong(0);
        Double stated = cost(usage);
        return stated == null
                ? new OpenRouterUsage(
                        promptTokens, completionTokens, pricing.estimate(promptTokens, completionTokens), true)
                : new OpenRouterUsage(promptTokens, completionTokens, stated, false);
    }

    /** What a failure inside the answer carries, so its money is still counted; null when it cost nothing. */
    Double billed() {
        return cost > 0 ? cost : null;
    }

    /**
     * The stated cost in USD, or null when the usage states none: {@code usage.cost}, plus
     * {@code usage.cost_details.upstream_inference_cost} when the key is BYOK ({@code usage.is_byok}: then
     * {@code cost} is only OpenRouter's fee, and the provider charges the user's own account the upstream cost — the
     * user pays both).
     */
    static Double cost(JsonNode usage) {
        if (usage == null || !usage.path("cost").isNumber()) {
            return null;
        }
        double cost = usage.path("cost").asDouble();
        JsonNode upstream = usage.path("cost_details").path("upstream_inference_cost");
        if (usage.path("is_byok").asBoolean(false) && upstream.isNumber()) {
            cost += upstream.asDouble();
        }
        return cost;
    }
}
