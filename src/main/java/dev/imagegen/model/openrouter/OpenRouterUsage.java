package dev.imagegen.model.openrouter;

import tools.jackson.databind.JsonNode;

/**
 * What an OpenRouter answer says it cost: {@code usage.cost}, plus {@code usage.cost_details.upstream_inference_cost}
 * when the key is BYOK ({@code usage.is_byok}: then {@code cost} is only OpenRouter's fee, and the provider charges
 * the user's own account the upstream cost — the user pays both).
 */
final class OpenRouterUsage {

    private OpenRouterUsage() {}

    /** The stated cost in USD, or null when the usage states none. */
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
