package dev.imagegen.model;

/** A way to make images from a prompt. Implementations classify every failure into a {@link FailureKind}. */
public interface ImageModel {

    /**
     * Makes {@code request.count()} images (a provider may return fewer, never none: no image is a
     * {@link FailureKind#NO_IMAGE} failure).
     */
    Generation generate(ImageRequest request) throws ModelCallException, InterruptedException;

    /** The most images one call may ask for; the processor groups a prompt's missing variants accordingly. */
    default int maxImagesPerCall() {
        return 1;
    }
}
