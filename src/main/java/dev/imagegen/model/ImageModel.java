package dev.imagegen.model;

/** A way to make one image from a prompt. Implementations classify every failure into a {@link FailureKind}. */
public interface ImageModel {

    Generation generate(ImageRequest request) throws ModelCallException, InterruptedException;
}
