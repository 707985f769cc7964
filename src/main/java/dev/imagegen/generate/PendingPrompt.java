package dev.imagegen.generate;

import dev.imagegen.reference.ReferenceImage;
import java.util.List;
import java.util.Set;

/** A prompt that still lacks some of its variants for the current request hash. */
record PendingPrompt(
        String promptId,
        String renderedPrompt,
        String requestHash,
        Set<Integer> doneVariants,
        List<ReferenceImage> references) {

    PendingPrompt(String promptId, String renderedPrompt, String requestHash, Set<Integer> doneVariants) {
        this(promptId, renderedPrompt, requestHash, doneVariants, List.of());
    }
}
