package dev.imagegen.model.openrouter;

import dev.imagegen.model.BoundedBody;
import dev.imagegen.model.JsonCall;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One OpenRouter endpoint as both clients call it: a POST through {@link JsonCall} with {@link OpenRouterHeaders},
 * and what its answers' headers say (the retry hint, the generation's id).
 */
final class OpenRouterEndpoint {

    private final JsonCall call;
    private final URI uri;
    private final Clock clock;

    /** @param path under {@code model.base-url}, e.g. {@code /images} */
    OpenRouterEndpoint(ModelSpec spec, String path, HttpClient http, JsonMapper json, Clock clock) {
        this.call = JsonCall.of(spec, http, json, OpenRouterHeaders.of(spec));
        this.uri = URI.create(spec.baseUrl() + path);
        this.clock = clock;
    }

    /** See {@link JsonCall#post}. */
    <T> T post(JsonNode body, JsonCall.ErrorMapping errors, JsonCall.Parser<T> parser)
            throws ModelCallException, InterruptedException {
        return call.post(uri, body, errors, parser);
    }

    /** See {@link JsonCall#root}. */
    JsonNode root(ModelHttp.Response ok) throws ModelCallException {
        return call.root(ok);
    }

    /** {@code Retry-After}, bounded (see {@link BoundedBody#retryAfter}); null when absent or headers are null. */
    Duration retryAfter(HttpHeaders headers) {
        return headers == null ? null : BoundedBody.retryAfter(headers, clock.instant());
    }

    /** The generation's id, which OpenRouter sends as a header too (the Image API's body has none). */
    static String generationId(HttpHeaders headers) {
        return headers.firstValue("X-Generation-Id").orElse(null);
    }
}
