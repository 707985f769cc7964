package dev.imagegen.generate;

import java.util.Map;

/**
 * The pending-prompts query of the generate step, for a provider that plans its own calls (the batch provider's
 * submit step): the prompts of a run that still miss variants for their current request hash, as a FROM item named
 * {@code pending} with columns {@code prompt_id, rendered_prompt, request_hash, reference_images, done}. Parameters:
 * {@code dataset}, {@code instance}, {@code count}, {@code index} (1 and 0 for every bucket), and what
 * {@code rerunKinds} adds.
 */
public final class PendingQuery {

    private PendingQuery() {}

    /** @param rerunKinds the rerun-failed job parameter, or null */
    public static String from(String rerunKinds, Map<String, Object> params) {
        return GenerateStepConfiguration.PENDING_PROMPTS.replace(
                "/*only-failed*/", GenerateStepConfiguration.onlyFailed(rerunKinds, params));
    }
}
