package dev.imagegen.report;

import java.math.BigDecimal;

/**
 * One picture of the gallery as the page script sees it. Paths are relative to the report directory: the thumbnail
 * ({@code null} when the image file could not be read) and the full-size image under {@code output.dir}.
 */
record GalleryItem(
        String thumb,
        String image,
        String caption,
        String id,
        int variant,
        int width,
        int height,
        BigDecimal costUsd,
        Long latencyMs,
        String model,
        boolean adopted) {}
