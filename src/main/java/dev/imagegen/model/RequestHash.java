package dev.imagegen.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import dev.imagegen.spec.ModelSpec;

/**
 * The hash over everything that shapes a picture: provider, model, rendered prompt, image options and seed. An image
 * stored with the current hash is never requested again; a change to any of these regenerates.
 */
public final class RequestHash {

    private RequestHash() {
    }

    public static String of(ModelSpec model, String renderedPrompt) {
        StringBuilder canonical = new StringBuilder()
                .append("provider=").append(model.provider()).append('\n')
                .append("model=").append(model.name()).append('\n')
                .append("seed=").append(model.seed()).append('\n')
                .append("image_config=").append(canonicalMap(model.imageConfig())).append('\n')
                .append("prompt=").append(renderedPrompt);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String canonicalMap(Map<String, Object> map) {
        return new TreeMap<>(map).toString();
    }

    /** The seed sent for a variant: variants of one prompt differ, and each is reproducible. */
    public static Long seedFor(ModelSpec model, int variant) {
        return model.seed() == null ? null : model.seed() + variant;
    }
}
