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
}
