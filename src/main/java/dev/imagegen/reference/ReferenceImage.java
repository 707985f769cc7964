package dev.imagegen.reference;

/**
 * One reference image of a prompt, as staged: what the source row said ({@code ref}), where it is ({@code location}:
 * an absolute file path, or the URL itself when {@code remote}), and the sha256 that goes into the request hash — of
 * the file's bytes, or of the URL string for a remote image (whose content is not fetched).
 */
public record ReferenceImage(
        String ref, String location, boolean remote, String sha256, String mediaType, long bytes) {}
