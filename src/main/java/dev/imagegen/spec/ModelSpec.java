package dev.imagegen.spec;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** The model that draws the images, and how to call it. */
public record ModelSpec(String provider, String name, URI baseUrl, Secret apiKey, int imagesPerPrompt,
                        String promptTemplate, Map<String, Object> imageConfig, Long seed, int maxTokens,
                        Duration timeout, String referer, String title, Pricing pricing, long maxResponseBytes) {

    public static final String PLACEHOLDER = "placeholder";
    public static final String OPENROUTER = "openrouter";

    public boolean isPlaceholder() {
        return PLACEHOLDER.equals(provider);
    }

    ModelSpec asPlaceholder() {
        return new ModelSpec(PLACEHOLDER, "placeholder", baseUrl, Secret.NONE, imagesPerPrompt, promptTemplate,
                imageConfig, seed, maxTokens, timeout, referer, title, Pricing.FREE, maxResponseBytes);
    }

    /** USD per million tokens, used only when a response carries no {@code usage.cost}. */
    public record Pricing(double inputPerMillion, double outputPerMillion) {
        public static final Pricing FREE = new Pricing(0, 0);

        public double estimate(long promptTokens, long completionTokens) {
            return (promptTokens * inputPerMillion + completionTokens * outputPerMillion) / 1_000_000d;
        }
    }
}
