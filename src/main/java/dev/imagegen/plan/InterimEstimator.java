package dev.imagegen.plan;

import dev.imagegen.check.ProviderFacts;
import dev.imagegen.spec.ModelSpec;

/**
 * Until the ledger's estimator is merged: the catalogue's price per output image, else {@code model.pricing} over a
 * typical image call's tokens. Deliberately simple; it is replaced, not extended.
 */
final class InterimEstimator implements CallCostEstimator {

    /** Tokens of a typical image call: a short prompt, and what one 1024x1024 image is billed as. */
    private static final long PROMPT_TOKENS = 12;
    private static final long IMAGE_TOKENS = 1290;

    private final ModelSpec model;
    private final ProviderFacts.CataloguePrice price;

    InterimEstimator(ModelSpec model, ProviderFacts.CataloguePrice price) {
        this.model = model;
        this.price = price;
    }

    @Override
    public Estimate perCall(int images) {
        if (price != null && price.perOutputImage() != null && price.perOutputImage() > 0) {
            return new Estimate(price.perOutputImage() * images + (price.perRequest() == null ? 0
                    : price.perRequest()), "the catalogue's price per image (" + price.source() + ")");
        }
        if (price != null && price.completionPerToken() != null) {
            double prompt = price.promptPerToken() == null ? 0 : price.promptPerToken();
            return new Estimate(PROMPT_TOKENS * prompt + IMAGE_TOKENS * images * price.completionPerToken()
                    + (price.perRequest() == null ? 0 : price.perRequest()), "the catalogue's token prices ("
                    + price.source() + ") over " + IMAGE_TOKENS + " tokens per image");
        }
        return new Estimate(model.pricing().estimate(PROMPT_TOKENS, IMAGE_TOKENS * images), "model.pricing over "
                + IMAGE_TOKENS + " tokens per image");
    }
}
