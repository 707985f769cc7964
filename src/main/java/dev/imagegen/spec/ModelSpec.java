package dev.imagegen.spec;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model that draws the images, and how to call it. {@code imagesPerCall} is how many variants one call may ask
 * for (the Images APIs' {@code n}); {@code fallbackModels} and {@code providerRouting} are OpenRouter's
 * {@code models} and {@code provider} request fields.
 */
public record ModelSpec(String provider, String name, URI baseUrl, Secret apiKey, int imagesPerPrompt,
                        String promptTemplate, Map<String, Object> imageConfig, Long seed, int maxTokens,
                        Duration timeout, String referer, String title, Pricing pricing, long maxResponseBytes,
                        List<String> fallbackModels, Map<String, Object> providerRouting, int imagesPerCall) {

    public static final String PLACEHOLDER = "placeholder";
    public static final String OPENROUTER = "openrouter";
    public static final String OPENROUTER_IMAGES = "openrouter-images";
    public static final String OPENAI = "openai";
    /** The Images APIs take {@code n} from 1 to 10. */
    public static final int MAX_IMAGES_PER_CALL = 10;

    public ModelSpec {
        fallbackModels = List.copyOf(fallbackModels);
        // In the order written: the provider object is sent as the job file has it.
        providerRouting = Collections.unmodifiableMap(new LinkedHashMap<>(providerRouting));
    }

    /** A model without fallbacks or routing preferences that makes one image per call. */
    public ModelSpec(String provider, String name, URI baseUrl, Secret apiKey, int imagesPerPrompt,
                     String promptTemplate, Map<String, Object> imageConfig, Long seed, int maxTokens,
                     Duration timeout, String referer, String title, Pricing pricing, long maxResponseBytes) {
        this(provider, name, baseUrl, apiKey, imagesPerPrompt, promptTemplate, imageConfig, seed, maxTokens, timeout,
                referer, title, pricing, maxResponseBytes, List.of(), Map.of(), 1);
    }

    public boolean isPlaceholder() {
        return PLACEHOLDER.equals(provider);
    }

    /** The OpenRouter chat and Image APIs share a key, the error envelope and the model catalogue. */
    public boolean isOpenRouter() {
        return OPENROUTER.equals(provider) || OPENROUTER_IMAGES.equals(provider);
    }

    ModelSpec asPlaceholder() {
        return new ModelSpec(PLACEHOLDER, "placeholder", baseUrl, Secret.NONE, imagesPerPrompt, promptTemplate,
                imageConfig, seed, maxTokens, timeout, referer, title, Pricing.FREE, maxResponseBytes, List.of(),
                Map.of(), 1);
    }

    /** A copy that asks for at most {@code n} images per call (what the capability check learnt of the model). */
    public ModelSpec withImagesPerCall(int n) {
        return new ModelSpec(provider, name, baseUrl, apiKey, imagesPerPrompt, promptTemplate, imageConfig, seed,
                maxTokens, timeout, referer, title, pricing, maxResponseBytes, fallbackModels, providerRouting,
                Math.max(1, n));
    }

    /** USD per million tokens, used only when a response carries no {@code usage.cost}. */
    public record Pricing(double inputPerMillion, double outputPerMillion) {
        public static final Pricing FREE = new Pricing(0, 0);

        public double estimate(long promptTokens, long completionTokens) {
            return (promptTokens * inputPerMillion + completionTokens * outputPerMillion) / 1_000_000d;
        }
    }
}
