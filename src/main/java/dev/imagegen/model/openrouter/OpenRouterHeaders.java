package dev.imagegen.model.openrouter;

import dev.imagegen.spec.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headers of every OpenRouter request: the key, and the app attribution (title, referer). */
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
}
