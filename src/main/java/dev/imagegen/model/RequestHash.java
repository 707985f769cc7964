package dev.imagegen.model;

import dev.imagegen.spec.ModelSpec;
import dev.imagegen.support.Sha256;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hash over everything that shapes a picture: provider, model, rendered prompt, image options, seed and the
 * reference images' sha256 (in order). An image stored with the current hash is never requested again; a change to
 * any of these regenerates. Fallback models and provider routing are left out on purpose: they choose who draws, and
 * the row records who did; changing them must not pay for the whole dataset again.
 */
public final class RequestHash {

    private RequestHash() {}

    public static String of(ModelSpec model, String renderedPrompt) {
        return of(model, renderedPrompt, List.of());
    }

    /** @param referenceHashes the sha256 of each reference image, in the order they are sent */
    public static String of(ModelSpec model, String renderedPrompt, List<String> referenceHashes) {
        StringBuilder canonical = new StringBuilder()
                .append("provider=")
                .append(hashedProvider(model))
                .append('\n')
                .append("model=")
                .append(model.name())
                .append('\n')
                .append("seed=")
                .append(model.seed())
                .append('\n')
                .append("image_config=")
                .append(canonicalMap(model.imageConfig()))
                .append('\n');
        // Only present when used, so that the hashes of jobs without references stay what they were.
        if (!referenceHashes.isEmpty()) {
            canonical
                    .append("references=")
                    .append(String.join(",", referenceHashes))
                    .append('\n');
        }
        canonical.append("prompt=").append(renderedPrompt);
        return Sha256.hex(canonical.toString());
    }

    /**
     * openai-batch sends OpenAI's own Images requests, only later and cheaper: the same pictures, so the same hash
     * (switching between openai and openai-batch regenerates nothing).
     */
    private static String hashedProvider(ModelSpec model) {
        return model.isBatch() ? ModelSpec.OPENAI : model.provider();
    }

    private static String canonicalMap(Map<String, Object> map) {
        return new TreeMap<>(map).toString();
    }

    /** The seed sent for a variant: variants of one prompt differ, and each is reproducible. */
    public static Long seedFor(ModelSpec model, int variant) {
        return model.seed() == null ? null : model.seed() + variant;
    }
}
