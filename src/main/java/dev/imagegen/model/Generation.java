package dev.imagegen.model;

import java.util.List;

/**
 * A successful call: the images (already checked to be real images), and what the provider said about it.
 * {@code costUsd} is the provider's {@code usage.cost}, or an estimate from tokens when it gave none.
 */
public record Generation(List<ImageData> images, String generationId, String model, String provider,
                         long promptTokens, long completionTokens, double costUsd, boolean costEstimated,
                         String text) {

    public Generation {
        images = List.copyOf(images);
    }
}
