package dev.imagegen.check;

import dev.imagegen.model.JsonCall;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.openrouter.OpenRouterHeaders;
import dev.imagegen.spec.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GETs of the capability check, through the clients' own {@link JsonCall} (bounded, redirects refused) with the
 * provider's headers; the key never reaches a message.
 */
final class ProviderApi {

    /** At most this long per GET, or model.timeout when that is shorter; it bounds the body too. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A full model catalogue is a few MB at most. */
    private static final long MAX_BYTES = 32L << 20;

    private final ModelSpec model;
    private final JsonCall call;

    ProviderApi(HttpClient http, JsonMapper json, ModelSpec model) {
        this.model = model;
        this.call = new JsonCall(
                http,
                json,
                model.isOpenRouter() ? OpenRouterHeaders.of(model) : JsonCall.bearer(model),
                model.timeout().compareTo(TIMEOUT) < 0 ? model.timeout() : TIMEOUT,
                MAX_BYTES);
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
        try {
            ModelHttp.Response r = call.get(uri);
            return new Answer(r.status(), call.lenient(r.body()));
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
