package dev.imagegen.spec;

/** The job file's {@code model.pricing:} section: USD per million tokens of each type. */
final class PricingSection {

    private PricingSection() {}

    /**
     * {@code model.pricing} over the built-in list prices (OpenAI's GPT image models), else over $8 / $15 per
     * million; a price left out is the built-in one, or 0 when the model has none. The image prices default to
     * the text ones.
     */
    static ModelSpec.Pricing read(RawJobFile.Pricing p, ModelSpec.Pricing builtIn) {
        if (p == null) {
            return builtIn != null ? builtIn : ModelSpec.Pricing.DEFAULT;
        }
        double in = price(
                "model.pricing.input-per-million",
                p.inputPerMillion(),
                builtIn == null ? 0 : builtIn.inputPerMillion());
        double out = price(
                "model.pricing.output-per-million",
                p.outputPerMillion(),
                builtIn == null ? 0 : builtIn.outputPerMillion());
        return new ModelSpec.Pricing(
                in,
                out,
                price(
                        "model.pricing.image-input-per-million",
                        p.imageInputPerMillion(),
                        builtIn == null || p.inputPerMillion() != null && p.imageInputPerMillion() == null
                                ? in
                                : builtIn.imageInputPerMillion()),
                price(
                        "model.pricing.image-output-per-million",
                        p.imageOutputPerMillion(),
                        builtIn == null || p.outputPerMillion() != null && p.imageOutputPerMillion() == null
                                ? out
                                : builtIn.imageOutputPerMillion()));
    }

    private static double price(String field, Double value, double fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 0 || value.isNaN() || value.isInfinite()) {
            throw new JobFileException(
                    field + ": " + value + " is not a price; write USD per million tokens, " + "e.g. 5");
        }
        return value;
    }
}
