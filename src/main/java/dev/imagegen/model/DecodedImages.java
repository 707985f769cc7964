package dev.imagegen.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The images of one answer, each decoded on its own: one bad image of several costs only itself — the valid ones
 * are kept (they are paid for), each bad one is a rejection with its reason.
 */
public record DecodedImages(List<ImageData> images, List<String> rejected) {

    /** One item of an answer as a checked image. */
    @FunctionalInterface
    public interface Decoder<T> {
        ImageData decode(T item) throws ModelCallException;
    }

    /** @throws ModelCallException the first item's failure, when no item is a valid image */
    public static <T> DecodedImages of(Iterable<T> items, Decoder<T> decoder) throws ModelCallException {
        List<ImageData> images = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        ModelCallException firstBad = null;
        for (T item : items) {
            try {
                images.add(decoder.decode(item));
            } catch (ModelCallException e) {
                firstBad = firstBad == null ? e : firstBad;
                rejected.add(e.getMessage());
            }
        }
        if (images.isEmpty()) {
            if (firstBad == null) {
                throw new IllegalArgumentException("an answer without items has no images to decode");
            }
            throw firstBad;
        }
        return new DecodedImages(images, rejected);
    }
}
