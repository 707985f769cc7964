package dev.imagegen.ledger;

/**
 * One HTTP attempt of a model call, as the ledger ({@code model_call}) records it: what came of it ({@code "ok"} or
 * a failure kind), what it cost and how sure that cost is, and what the provider said about it. The retry loop makes
 * one per attempt, success or not; the writer stores them in the same transaction as the chunk's images and failures.
 *
 * @param attempt         1 for the first try of a call, 2 for its first retry, ...
 * @param imagesRequested how many images the call asked for ({@code n})
 * @param imagesStored    how many valid images of this answer were kept (set by the processor)
 * @param retried         another attempt of the same call followed this one
 */
public record CallAttempt(
        int attempt,
        String outcome,
        Integer httpStatus,
        double costUsd,
        CostBasis basis,
        String generationId,
        String model,
        String provider,
        long latencyMs,
        Long promptTokens,
        Long completionTokens,
        int imagesRequested,
        int imagesStored,
        boolean retried) {

    public static final String OK = "ok";
    /** An image found on disk after a crash: the call was paid for, but its row died with the crash. */
    public static final String ADOPTED = "adopted";

    public CallAttempt withImagesStored(int n) {
        return new CallAttempt(
                attempt,
                outcome,
                httpStatus,
                costUsd,
                basis,
                generationId,
                model,
                provider,
                latencyMs,
                promptTokens,
                completionTokens,
                imagesRequested,
                n,
                retried);
    }

    public CallAttempt asRetried() {
        return new CallAttempt(
                attempt,
                outcome,
                httpStatus,
                costUsd,
                basis,
                generationId,
                model,
                provider,
                latencyMs,
                promptTokens,
                completionTokens,
                imagesRequested,
                imagesStored,
                true);
    }

    public boolean succeeded() {
        return OK.equals(outcome);
    }
}
