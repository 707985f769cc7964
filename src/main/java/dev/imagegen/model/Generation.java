package dev.imagegen.model;

import dev.imagegen.db.DbText;
import java.util.List;

/**
 * A successful call: the images (already checked to be real images), and what the provider said about it.
 * {@code costUsd} is the provider's {@code usage.cost} (plus the upstream cost of a BYOK key), or an estimate from
 * tokens when it gave none. {@code rejected}: why each other image of a multi-image answer was unusable (truncated,
 * not an image); the call still succeeded for the valid ones. Provider strings are cleaned for the database.
 */
public record Generation(
        List<ImageData> images,
        String generationId,
        String model,
        String provider,
        long promptTokens,
        long completionTokens,
        double costUsd,
        boolean costEstimated,
        String text,
        List<String> rejected) {

    public Generation {
        images = List.copyOf(images);
        rejected = rejected == null ? List.of() : List.copyOf(rejected);
        generationId = DbText.clean(generationId);
        model = DbText.clean(model);
        provider = DbText.clean(provider);
        text = DbText.clean(text);
    }

    public Generation(
            List<ImageData> images,
            String generationId,
            String model,
            String provider,
            long promptTokens,
            long completionTokens,
            double costUsd,
            boolean costEstimated,
            String text) {
        this(
                images,
                generationId,
                model,
                provider,
                promptTokens,
                completionTokens,
                costUsd,
                costEstimated,
                text,
                List.of());
    }

    /** Images the answer carried, valid or not. */
    public int returned() {
        return images.size() + rejected.size();
    }
}
