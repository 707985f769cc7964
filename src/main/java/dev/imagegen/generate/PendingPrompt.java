package dev.imagegen.generate;

import java.util.Set;

/** A prompt that still lacks some of its variants for the current request hash. */
record PendingPrompt(String promptId, String renderedPrompt, String requestHash, Set<Integer> doneVariants) {
}
