package dev.imagegen.model.openrouter;

import dev.imagegen.model.BoundedBody;
import dev.imagegen.spec.ModelSpec;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers of every OpenRouter request (the key, and the app attribution: title, referer), and what its answers'
 * headers say (the retry hint, the generation id).
 */
public final class OpenRouterHeaders {

    private OpenRouterHeaders() {}

    public static Map<String, String> of(ModelSpec spec) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Bearer " + spec.apiKey().reveal());
        h.put("X-Title", spec.title());
        h.put("X-OpenRouter-Title", spec.title());
        if (spec.referer() != null) {
            h.put("HTTP-Referer", spec.referer());
        }
        return h;
    }

    /** {@code Retry-After}, bounded (see {@link BoundedBody#retryAfter}); null when absent. */
    static Duration retryAfter(HttpHeaders headers, Clock clock) {
        return BoundedBody.retryAfter(headers, clock.instant());
    }

    /** The generation's id, which OpenRouter sends as a header too (the Image API's body has none). */
    static String generationId(HttpHeaders headers) {
        return headers.firstValue("X-Generation-Id").orElse(null);
    }
}
