package dev.imagegen.model;

import dev.imagegen.spec.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one exchange path of every model client, the capability check's GETs and the Batch API: the request goes out
 * through {@link ModelHttp#send} with the provider's headers (the whole exchange bounded by a timeout and a size
 * cap, redirects refused, the connection's failures classified), an answer other than 200 is the provider's error
 * envelope handed to the client's {@link ErrorMapping}, and a 200 goes to the client's {@link Parser}. So a client
 * keeps only what differs: its request body, the parsing of a success and its provider's error codes.
 */
public final class JsonCall {

    /** A provider's error answer as a failure. */
    @FunctionalInterface
    public interface ErrorMapping {
        /**
         * @param error   the envelope's {@code error}, or null when the body has none or is not JSON (an HTML error
         *                page from a proxy: then the status speaks for it)
         * @param headers the answer's headers (a retry hint), or null when there are none to read
         */
        ModelCallException classify(int status, JsonNode error, HttpHeaders headers);
    }

    /** A 200 as the client's result. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(ModelHttp.Response ok) throws ModelCallException;
    }

    private final HttpClient http;
    private final JsonMapper json;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final long maxBytes;

    /**
     * @param headers sent with every request (the key among them; never part of a message)
     * @param timeout bounds each exchange as a whole: connect, headers and the body's last byte
     */
    public JsonCall(HttpClient http, JsonMapper json, Map<String, String> headers, Duration timeout, long maxBytes) {
        this.http = http;
        this.json = json;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    /** A model client's calls: bounded by {@code model.timeout} and {@code model.max-response-size}. */
    public static JsonCall of(ModelSpec spec, HttpClient http, JsonMapper json, Map<String, String> headers) {
        return new JsonCall(http, json, headers, spec.timeout(), spec.maxResponseBytes());
    }

    /** {@code Authorization: Bearer <key>}, the only header OpenAI needs. */
    public static Map<String, String> bearer(ModelSpec spec) {
        return Map.of("Authorization", "Bearer " + spec.apiKey().reveal());
    }

    public JsonMapper json() {
        return json;
    }

    /** POSTs {@code body} as JSON: a 200 goes to {@code parser}, any other status to {@code errors}. */
    public <T> T post(URI uri, JsonNode body, ErrorMapping errors, Parser<T> parser)
            throws ModelCallException, InterruptedException {
        return answer(
                ModelHttp.exchange(http, uri, headers, json.writeValueAsBytes(body), timeout, maxBytes),
                errors,
                parser);
    }

    /**
     * A request the caller built (another method, a multipart body), with the headers added, bounded by
     * {@code requestTimeout} (an upload may need longer than a call).
     */
    public <T> T send(HttpRequest.Builder request, Duration requestTimeout, ErrorMapping errors, Parser<T> parser)
            throws ModelCallException, InterruptedException {
        headers.forEach(request::header);
        return answer(ModelHttp.send(http, request.build(), requestTimeout, maxBytes), errors, parser);
    }

    /** A GET answered with any status (the check reads statuses itself); failures of the connection only throw. */
    public ModelHttp.Response get(URI uri) throws ModelCallException, InterruptedException {
        return ModelHttp.exchange(http, uri, headers, null, timeout, maxBytes);
    }

    /**
     * A GET of a body too large to hold (see {@link ModelHttp#open}): a 200's body as a stream the caller closes; any
     * other status (its first MiB read) to {@code errors}.
     */
    public InputStream stream(URI uri, ErrorMapping errors) throws ModelCallException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        headers.forEach(request::header);
        HttpResponse<InputStream> response = ModelHttp.open(http, request.build(), timeout);
        if (response.statusCode() != 200) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(1 << 20);
            } catch (IOException e) {
                body = new byte[0];
            }
            throw error(response.statusCode(), body, response.headers(), errors);
        }
        return response.body();
    }

    private <T> T answer(ModelHttp.Response response, ErrorMapping errors, Parser<T> parser) throws ModelCallException {
        if (response.status() != 200) {
            throw error(response.status(), response.body(), response.headers(), errors);
        }
        return parser.parse(response);
    }

    /** An error answer's {@code error} (when the body is JSON) classified by the client's mapping. */
    public ModelCallException error(int status, byte[] body, HttpHeaders headers, ErrorMapping errors) {
        JsonNode root = lenient(body);
        return errors.classify(status, root == null ? null : root.get("error"), headers);
    }

    /** The body as JSON; null when it is empty or not JSON. */
    public JsonNode lenient(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** A 200's body as JSON; one that is empty or not JSON is a transient failure (a proxy, a provider hiccup). */
    public JsonNode root(ModelHttp.Response ok) throws ModelCallException {
        JsonNode root = ModelHttp.parse(json, ok.body(), 200);
        if (root == null) {
            throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not JSON");
        }
        return root;
    }
}
