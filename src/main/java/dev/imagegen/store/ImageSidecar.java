package dev.imagegen.store;

/**
 * What the provider said about a generated image, written next to it ({@code <image>.json}) before the image is
 * renamed into place, so that a crash between the file and the database row loses neither the picture nor its cost.
 * {@code callIndex}/{@code callImages}: the image's position in its call's response and how many that call returned.
 */
public record ImageSidecar(
        String promptId,
        int variant,
        String requestHash,
        String model,
        String provider,
        String generationId,
        Long seed,
        double costUsd,
        boolean costEstimated,
        long promptTokens,
        long completionTokens,
        long latencyMs,
        int attempts,
        int callIndex,
        int callImages) {

    /** An image that was the only one of its call. */
    public ImageSidecar(
            String promptId,
            int variant,
            String requestHash,
            String model,
            String provider,
            String generationId,
            Long seed,
            double costUsd,
            boolean costEstimated,
            long promptTokens,
            long completionTokens,
            long latencyMs,
            int attempts) {
        this(
                promptId,
                variant,
                requestHash,
                model,
                provider,
                generationId,
                seed,
                costUsd,
                costEstimated,
                promptTokens,
                completionTokens,
                latencyMs,
                attempts,
                0,
                1);
    }
}
