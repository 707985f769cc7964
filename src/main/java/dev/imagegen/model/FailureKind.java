package dev.imagegen.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * Every way a model call can fail, and what the job does about it. The lower-case name is what the
 * {@code prompt_failure.kind} column and {@code rerun-failed --kind} use.
 */
public enum FailureKind {
    /** 408, 5xx, connection reset, timeout, an error inside a 200 of a transient type. */
    TRANSIENT(Action.RETRY),
    /** 429: every worker pauses, then retries. */
    RATE_LIMITED(Action.RETRY),
    /** 400 and other permanent rejections of this one request. */
    BAD_REQUEST(Action.SKIP),
    /** 403 moderation, content filter, refusal. */
    MODERATION(Action.SKIP),
    /** A 200 that carries no image. */
    NO_IMAGE(Action.SKIP),
    /** Bytes that are not a whole image of the declared type. */
    INVALID_IMAGE(Action.SKIP),
    /** A reference image of the row is missing, unreadable, not an image, or changed since it was staged. */
    BAD_REFERENCE(Action.SKIP),
    /** 401: the key is wrong; every later call would fail the same way. */
    AUTH(Action.STOP),
    /** 402: out of credits. */
    CREDITS(Action.STOP),
    /** The model does not exist or has no endpoint for these options: a job-file problem, not a row problem. */
    MODEL_UNAVAILABLE(Action.STOP),
    /**
     * 403 without moderation metadata: the key lacks a permission, a guardrail blocked the request, or the model is
     * not available in this region ({@code permission_denied}, {@code region_restricted}); every row would fail.
     */
    FORBIDDEN(Action.STOP),
    /**
     * The answer hit {@code model.max-tokens} before an image came ({@code max_tokens_exceeded}, or
     * {@code finish_reason: length} without an image): every row would be paid for and fail the same way.
     */
    MAX_TOKENS(Action.STOP),
    /**
     * The answer shows the job file points at the wrong place: a redirect (3xx), which is never followed because it
     * would carry the key elsewhere. The message names {@code model.base-url}.
     */
    CONFIGURATION(Action.STOP);

    /** What the job does with a call that failed this way. */
    public enum Action {
        RETRY,
        SKIP,
        STOP
    }

    private final Action action;

    FailureKind(Action action) {
        this.action = action;
    }

    public Action action() {
        return action;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailureKind fromId(String id) {
        return Arrays.stream(values())
                .filter(k -> k.id().equalsIgnoreCase(id.strip()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown failure kind '" + id + "'; known kinds: "
                        + String.join(
                                ", ",
                                Arrays.stream(values()).map(FailureKind::id).toList())));
    }
}
