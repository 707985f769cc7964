package dev.imagegen.generate;

import dev.imagegen.ledger.Ledger;
import dev.imagegen.store.StoredImage;
import java.util.List;

/**
 * What happened to one prompt's missing variants: images stored, calls that failed for good, every HTTP attempt made
 * (the ledger's rows: successes, failures, retried attempts, and those of a call cut short by a stop), and whether
 * some variants were deferred because the run is stopping (they stay pending for the restart).
 */
public record PromptOutcome(
        String promptId,
        List<StoredImage> images,
        List<CallFailure> failures,
        List<Ledger.Entry> calls,
        boolean deferred) {

    /** {@code flaggedInput} and {@code modelSlug}: what a moderation refusal named, when it did. */
    public record CallFailure(
            String promptId,
            int variant,
            String kind,
            Integer httpStatus,
            String message,
            int attempts,
            Double costUsd,
            String flaggedInput,
            String modelSlug) {
        public CallFailure(
                String promptId,
                int variant,
                String kind,
                Integer httpStatus,
                String message,
                int attempts,
                Double costUsd) {
            this(promptId, variant, kind, httpStatus, message, attempts, costUsd, null, null);
        }
    }
}
