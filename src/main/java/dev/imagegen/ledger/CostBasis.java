package dev.imagegen.ledger;

/**
 * How sure a recorded cost is: the values of {@code model_call.cost_basis}. {@link #POSSIBLY_BILLED} is a call whose
 * answer never arrived after the request went out (a timeout, a reset): the provider may have finished and billed it,
 * so it is counted at an estimate, against the budget too.
 */
public enum CostBasis {
    /** The provider stated it ({@code usage.cost}, plus {@code upstream_inference_cost} for a BYOK key). */
    KNOWN("known"),
    /** An answer arrived without a cost: priced from its tokens ({@code model.pricing}, OpenAI's list prices). */
    ESTIMATED("estimated"),
    /** No answer after the request was sent: counted at {@link CallCostEstimate}'s estimate. */
    POSSIBLY_BILLED("possibly_billed"),
    /** The provider cannot have billed it (refused before any work: 401, 402, 429, a connect failure). */
    NONE("none");

    private final String id;

    CostBasis(String id) {
        this.id = id;
    }

    /** The value stored in {@code model_call.cost_basis}. */
    public String id() {
        return id;
    }

    /** Whether the figure is not the provider's own (shown as "estimated" / "possibly billed"). */
    public boolean unsettled() {
        return this == ESTIMATED || this == POSSIBLY_BILLED;
    }
}
