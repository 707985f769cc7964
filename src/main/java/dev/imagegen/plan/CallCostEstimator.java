package dev.imagegen.plan;

/**
 * The estimated cost of one call that asks for {@code images} images, and what the estimate rests on. A seam until
 * the ledger's own estimator ({@code dev.imagegen.ledger}) is in: the plan must price calls exactly as the run prices
 * a call whose answer states no cost.
 */
interface CallCostEstimator {

    Estimate perCall(int images);

    /** {@code basis} in words, e.g. "the catalogue's price per image (GET /models)". */
    record Estimate(double usd, String basis) {
    }
}
