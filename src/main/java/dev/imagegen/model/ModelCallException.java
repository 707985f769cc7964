package dev.imagegen.model;

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

    public ModelCallException(FailureKind kind, Integer httpStatus, String message, Duration retryAfter,
                              Double costUsd) {
        super(message, null, false, false);
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
        this.flaggedInput = flagged;
        this.modelSlug = slug;
        return this;
    }

    /** Carries another failure's moderation details (a wrapper of the last attempt keeps them). */
    protected final void inheritDetails(ModelCallException from) {
        this.flaggedInput = from.flaggedInput;
        this.modelSlug = from.modelSlug;
    }
}
