package dev.imagegen.batch;

import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.spec.ModelSpec;

/**
 * What a batch request is expected to cost, reserved against {@code run.max-cost-usd} before the batch is submitted,
 * and what a collected result cost: OpenAI's token prices ({@code model.pricing} or the built-in list prices) at the
 * Batch API's half price. The estimate errs high: the output tokens of the largest image of its quality (OpenAI's
 * image token table), a reference image at the tokens of a high-fidelity input.
 */
final class BatchCost {

    /** The Batch API bills half the synchronous price. */
    static final double BATCH_DISCOUNT = 0.5;
    /** The tokens of a reference image (input), estimated high. */
    private static final long REFERENCE_TOKENS = 6_240;

    private BatchCost() {}

    /**
     * What a request reserves against the budget: the ledger's estimate of the call ({@link CallCostEstimate}, the
     * one estimator shared with {@code imagegen plan}) at batch prices, but never less than {@link #estimate}: the
     * ledger assumes a medium-quality image until the dataset has history, and a reservation below the bill could
     * let submitting pass {@code run.max-cost-usd}.
     */
    static double reserve(CallCostEstimate ledger, ModelSpec spec, String prompt, int references) {
        double fromLedger = ledger.perCall(1).usd() * BATCH_DISCOUNT;
        return Math.max(fromLedger, estimate(spec, prompt, references));
    }

    /** An upper bound of one request: its prompt's text tokens, its references, the largest image of its quality. */
    static double estimate(ModelSpec spec, String prompt, int references) {
        long textIn = prompt.length() / 3 + 16;
        long imageIn = references * REFERENCE_TOKENS;
        return spec.pricing().estimate(textIn, imageIn, 0, outputTokens(spec)) * BATCH_DISCOUNT;
    }

    /** OpenAI's image output tokens by quality for the largest size (1536 px): low 400, medium 1568, high 6208. */
    private static long outputTokens(ModelSpec spec) {
        Object quality = spec.imageConfig().get("quality");
        String q = quality == null ? "auto" : quality.toString();
        return switch (q) {
            case "low" -> 408;
            case "medium" -> 1584;
            default -> 6240; // high, auto (which may choose high)
        };
    }

    /** What a result's usage cost at batch prices. */
    static double billed(ModelSpec spec, tools.jackson.databind.JsonNode usage) {
        return usage == null
                ? 0
                : dev.imagegen.model.openai.OpenAiImagesModel.costOf(spec.pricing(), usage) * BATCH_DISCOUNT;
    }
}
