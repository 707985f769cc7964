package dev.imagegen.model;

import java.util.List;

/**
 * What to ask the model for: the rendered prompt, the seed of the call, how many images ({@code count}, the
 * variants {@code variant .. variant+count-1}; more than one only for clients whose
 * {@link ImageModel#maxImagesPerCall()} allows it) and the reference images as URLs ready to send (http(s) URLs or
 * {@code data:} URLs).
 */
public record ImageRequest(
        String promptId, int variant, String prompt, Long seed, int count, List<String> referenceUrls) {

    public ImageRequest {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        referenceUrls = List.copyOf(referenceUrls);
    }

    /** One image of one variant, without reference images. */
    public ImageRequest(String promptId, int variant, String prompt, Long seed) {
        this(promptId, variant, prompt, seed, 1, List.of());
    }

    public boolean hasReferences() {
        return !referenceUrls.isEmpty();
    }
}
