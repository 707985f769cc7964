package dev.imagegen.check;

import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.openrouter.OpenRouterHeaders;
import dev.imagegen.spec.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The GETs of the capability check, with the provider's headers; the key never reaches a message. */
final class ProviderApi {

    /** At most this long per GET, or model.timeout when that is shorter; it bounds the body too. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A full model catalogue is a few MB at most. */
    private static final long MAX_BYTES = 32L << 20;

    private final HttpClient http;
    private final JsonMapper json;
    private final ModelSpec model;

    ProviderApi(HttpClient http, JsonMapper json, ModelSpec model) {
        this.http = http;
        this.json = json;
        this.model = model;
    }

    /** One answer: its status and body (null when not JSON). */
    record Answer(int status, JsonNode body) {
        String errorMessage() {
            JsonNode m = body == null ? null : body.path("error").get("message");
            return m != null && m.isString() ? m.asString() : "no message";
        }

        String errorCode() {
            JsonNode c = body == null ? null : body.path("error").get("code");
            return c == null || c.isNull() ? null : c.asString();
        }
    }

    /** @throws Unreachable when there is no HTTP answer at all */
    Answer get(String pathAndQuery) throws Unreachable, InterruptedException {
        URI uri = URI.create(model.baseUrl() + pathAndQuery);
        Map<String, String> headers = model.isOpenRouter()
                ? OpenRouterHeaders.of(model)
                : Map.of("Authorization", "Bearer " + model.apiKey().reveal());
        try {
            ModelHttp.Response r = ModelHttp.exchange(
                    http,
                    uri,
                    headers,
                    null,
                    model.timeout().compareTo(TIMEOUT) < 0 ? model.timeout() : TIMEOUT,
                    MAX_BYTES);
            return new Answer(r.status(), ModelHttp.parse(json, r.body(), 0));
        } catch (ModelCallException e) {
            throw new Unreachable("GET " + uri.getPath() + ": " + e.getMessage());
        }
    }

    /** No answer from the provider: connection refused, timeout, a body too large, a redirect (never followed). */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message, null, false, false);
        }
    }
}
