package dev.imagegen.model;

/** One picture to make: the rendered prompt and the seed of this variant. */
public record ImageRequest(String promptId, int variant, String prompt, Long seed) {
}
