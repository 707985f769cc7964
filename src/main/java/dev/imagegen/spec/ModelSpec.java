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
public record ModelSpec(
        String provider,
        String name,
        URI baseUrl,
        Secret apiKey,
        int imagesPerPrompt,
        String promptTemplate,
        Map<String, Object> imageConfig,
        Long seed,
        int maxTokens,
        Duration timeout,
        String referer,
        String title,
        Pricing pricing,
        long maxResponseBytes,
        List<String> fallbackModels,
        Map<String, Object> providerRouting,
        int imagesPerCall,
        List<String> modalities,
        String maxTokensParameter,
        BatchSpec batch) {

    public static final String PLACEHOLDER = "placeholder";
    public static final String OPENROUTER = "openrouter";
    public static final String OPENROUTER_IMAGES = "openrouter-images";
    public static final String OPENAI = "openai";
    /** OpenAI's Batch API: the same requests as {@link #OPENAI}, at half the price, answered within 24 hours. */
    public static final String OPENAI_BATCH = "openai-batch";
    /** The Images APIs take {@code n} from 1 to 10. */
    public static final int MAX_IMAGES_PER_CALL = 10;
    /** Chat: the output modalities asked for unless the catalogue (or a 404) says the model outputs no text. */
    public static final List<String> IMAGE_AND_TEXT = List.of("image", "text");

    public static final List<String> IMAGE_ONLY = List.of("image");
    /** Chat: the token bound's field; OpenRouter's document deprecates it for {@code max_completion_tokens}. */
    public static final String MAX_TOKENS = "max_tokens";

    public static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

    public ModelSpec {
        fallbackModels = List.copyOf(fallbackModels);
        modalities = modalities == null ? List.of() : List.copyOf(modalities);
        // In the order written: the provider object is sent as the job file has it.
        providerRouting = Collections.unmodifiableMap(new LinkedHashMap<>(providerRouting));
        batch = batch == null ? BatchSpec.DEFAULTS : batch;
    }

    /**
     * The settings of a model of {@code provider} and {@code name}, by name. Unless set: no fallbacks or routing
     * preferences, one image per call, the modalities and the token field left to the capability check, and
     * {@code model.batch}'s defaults.
     */
    public static ModelSpecBuilder builder(String provider, String name) {
        return new ModelSpecBuilder().provider(provider).name(name);
    }

    /** A builder that starts from this model's settings. */
    public ModelSpecBuilder toBuilder() {
        return new ModelSpecBuilder(this);
    }

    public boolean isPlaceholder() {
        return PLACEHOLDER.equals(provider);
    }

    /** OpenAI's Batch API ({@code dev.imagegen.batch}): submit, wait, collect instead of one call per image. */
    public boolean isBatch() {
        return OPENAI_BATCH.equals(provider);
    }

    /** The OpenRouter chat and Image APIs share a key, the error envelope and the model catalogue. */
    public boolean isOpenRouter() {
        return OPENROUTER.equals(provider) || OPENROUTER_IMAGES.equals(provider);
    }

    ModelSpec asPlaceholder() {
        return toBuilder()
                .provider(PLACEHOLDER)
                .name("placeholder")
                .apiKey(Secret.NONE)
                .pricing(Pricing.FREE)
                .fallbackModels(List.of())
                .providerRouting(Map.of())
                .imagesPerCall(1)
                .modalities(List.of())
                .maxTokensParameter(null)
                .batch(BatchSpec.DEFAULTS)
                .build();
    }

    /** A copy that asks for at most {@code n} images per call (what the capability check learnt of the model). */
    public ModelSpec withImagesPerCall(int n) {
        return toBuilder().imagesPerCall(Math.max(1, n)).build();
    }

    /** A copy with the chat request's output modalities and token field (what the capability check learnt). */
    public ModelSpec withChatFields(List<String> outputModalities, String tokenField) {
        return toBuilder()
                .modalities(outputModalities)
                .maxTokensParameter(tokenField)
                .build();
    }

    /** The chat request's {@code modalities}: as set or learnt, else image and text. */
    public List<String> chatModalities() {
        return modalities.isEmpty() ? IMAGE_AND_TEXT : modalities;
    }

    /** The chat request's token bound field: as set or learnt, else {@code max_tokens}. */
    public String tokenField() {
        return maxTokensParameter == null ? MAX_TOKENS : maxTokensParameter;
    }

    /**
     * USD per million tokens, used only when a response carries no {@code usage.cost}. The {@code image*} prices
     * are OpenAI's per token type (image input, image output); with the two-price form they equal the text prices.
     */
    public record Pricing(
            double inputPerMillion,
            double outputPerMillion,
            double imageInputPerMillion,
            double imageOutputPerMillion) {
        public static final Pricing FREE = new Pricing(0, 0);
        /** What a job file without {@code model.pricing} gets for an OpenRouter model: $8 / $15 per million. */
        public static final Pricing DEFAULT = new Pricing(8, 15);

        public Pricing(double inputPerMillion, double outputPerMillion) {
            this(inputPerMillion, outputPerMillion, inputPerMillion, outputPerMillion);
        }

        public double estimate(long promptTokens, long completionTokens) {
            return (promptTokens * inputPerMillion + completionTokens * outputPerMillion) / 1_000_000d;
        }

        /** Each token type at its own price (OpenAI's {@code input_tokens_details} / {@code output_tokens_details}). */
        public double estimate(long textInput, long imageInput, long textOutput, long imageOutput) {
            return (textInput * inputPerMillion
                            + imageInput * imageInputPerMillion
                            + textOutput * outputPerMillion
                            + imageOutput * imageOutputPerMillion)
                    / 1_000_000d;
        }
    }
}
