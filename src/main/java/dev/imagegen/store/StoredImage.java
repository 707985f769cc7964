package dev.imagegen.store;

/**
 * An image file safely on disk under {@code output.dir}, with what the metadata row needs. {@code adopted} is true
 * when the file was found there after a crash rather than just generated.
 */
public record StoredImage(
        String promptId,
        int variant,
        String relativePath,
        String mediaType,
        int width,
        int height,
        long bytes,
        String sha256,
        ImageSidecar sidecar,
        boolean adopted) {}
