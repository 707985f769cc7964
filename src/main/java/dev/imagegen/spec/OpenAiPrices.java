package dev.imagegen.spec;

import java.util.Map;

/**
 * OpenAI's list prices of the GPT image models, USD per million tokens of each type (text input, text output, image
 * input, image output), from its pricing page. OpenAI returns no cost, so a run's spend is computed from these and
 * the response's {@code usage.input_tokens_details} / {@code output_tokens_details}; {@code model.pricing}
 * overrides any of them (e.g. after a price change, or for a dated snapshot this table does not know). It lives in
 * {@code spec} because it is the default of {@code model.pricing}: the job file depends on no model client.
 */
public final class OpenAiPrices {

    private static final Map<String, ModelSpec.Pricing> PRICES = Map.of(
            "gpt-image-2", new ModelSpec.Pricing(5, 10, 8, 30),
            "gpt-image-1.5", new ModelSpec.Pricing(5, 10, 8, 32),
            "gpt-image-1", new ModelSpec.Pricing(5, 0, 10, 40),
            "gpt-image-1-mini", new ModelSpec.Pricing(2, 0, 2.5, 8));

    private OpenAiPrices() {}

    /** The list prices of a model (a dated snapshot such as {@code gpt-image-2-2026-04-21} too); null if unknown. */
    public static ModelSpec.Pricing of(String model) {
        ModelSpec.Pricing p = PRICES.get(model);
        if (p == null && model.matches(".*-\\d{4}-\\d{2}-\\d{2}")) {
            p = PRICES.get(model.substring(0, model.length() - 11));
        }
        return p;
    }
}
