package dev.imagegen.model;

import dev.imagegen.db.DbText;
import dev.imagegen.ledger.CostBasis;
import java.time.Duration;

/**
 * A classified failed call. The message is the provider's own (never a request header, so never the key).
 * {@code costUsd} is set when the provider billed the failed call, so that no money goes unaccounted.
 */
public class ModelCallException extends Exception {

    private final FailureKind kind;
    private final Integer httpStatus;
    private final Duration retryAfter;
    private final Double costUsd;
    private String flaggedInput;
    private String modelSlug;
    private boolean costEstimated;
    private boolean possiblyBilled;
    private String generationId;
    private String model;
    private String provider;
    private Long promptTokens;
    private Long completionTokens;

    public ModelCallException(
            FailureKind kind, Integer httpStatus, String message, Duration retryAfter, Double costUsd) {
        // Provider text may hold characters PostgreSQL refuses (NUL): cleaned once, here, for every row and message.
        super(DbText.clean(message), null, false, false);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
        this.costUsd = costUsd;
    }

    public ModelCallException(FailureKind kind, Integer httpStatus, String message) {
        this(kind, httpStatus, message, null, null);
    }

    public FailureKind kind() {
        return kind;
    }

    public Integer httpStatus() {
        return httpStatus;
    }

    /** The provider's hint, from {@code Retry-After} or the body; null when it gave none. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public Double costUsd() {
        return costUsd;
    }

    /** What a moderation refusal says was flagged (OpenRouter's {@code metadata.flagged_input}); null if none. */
    public String flaggedInput() {
        return flaggedInput;
    }

    /** The model that refused ({@code metadata.model_slug}); null if none. */
    public String modelSlug() {
        return modelSlug;
    }

    /** Sets the provider's moderation details; returns this. */
    public ModelCallException withModeration(String flagged, String slug) {
        this.flaggedInput = DbText.clean(flagged);
        this.modelSlug = DbText.clean(slug);
        return this;
    }

    /**
     * What an answer said about the failed call, for the ledger: whether its cost is an estimate (from tokens), and
     * the provider's generation id, model and provider, tokens. Returns this.
     */
    public ModelCallException answered(
            boolean estimated,
            String generationId,
            String model,
            String provider,
            Long promptTokens,
            Long completionTokens) {
        this.costEstimated = estimated;
        this.generationId = DbText.clean(generationId);
        this.model = DbText.clean(model);
        this.provider = DbText.clean(provider);
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        return this;
    }

    /** Marks a call whose request went out but whose answer never arrived (timeout, reset): it may be billed. */
    public ModelCallException possiblyBilled() {
        this.possiblyBilled = true;
        return this;
    }

    /** How sure the cost of this failed attempt is (what the ledger records). */
    public CostBasis costBasis() {
        if (costUsd != null) {
            return costEstimated ? CostBasis.ESTIMATED : CostBasis.KNOWN;
        }
        return possiblyBilled ? CostBasis.POSSIBLY_BILLED : CostBasis.NONE;
    }

    public String generationId() {
        return generationId;
    }

    public String model() {
        return model;
    }

    public String provider() {
        return provider;
    }

    public Long promptTokens() {
        return promptTokens;
    }

    public Long completionTokens() {
        return completionTokens;
    }

    /** Carries another failure's details (a wrapper of the last attempt keeps them). */
    protected final void inheritDetails(ModelCallException from) {
        this.flaggedInput = from.flaggedInput;
        this.modelSlug = from.modelSlug;
        this.costEstimated = from.costEstimated;
        this.possiblyBilled = from.possiblyBilled;
        this.generationId = from.generationId;
        this.model = from.model;
        this.provider = from.provider;
        this.promptTokens = from.promptTokens;
        this.completionTokens = from.completionTokens;
    }
}
