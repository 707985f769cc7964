package dev.imagegen.model;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP side every model client shares: one JSON exchange with a bounded body, the failures of the connection
 * classified as {@link FailureKind#TRANSIENT}, and base64 image payloads checked with {@link ImageProbe}.
 */
public final class ModelHttp {

    private ModelHttp() {
    }

    /** A status, the headers and the whole (bounded) body of one response. */
    public record Response(int status, HttpHeaders headers, byte[] body) {
    }

    public static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * Sends one request and reads its body. Header values (so the key) never reach an exception message.
     *
     * @param body null for a GET
     */
    public static Response exchange(HttpClient http, URI uri, Map<String, String> headers, byte[] body,
                                    Duration timeout, long maxBytes) throws ModelCallException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        headers.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.GET();
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, null, "no response from " + uri.getHost()
                    + " within " + timeout.toSeconds() + "s (model.timeout)");
        } catch (IOException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, null, "connection to " + uri.getHost()
                    + " failed: " + describe(e));
        }
        try {
            return new Response(response.statusCode(), response.headers(),
                    BoundedBody.read(response.body(), response.headers(), maxBytes));
        } catch (BoundedBody.TooLarge e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, response.statusCode(), e.getMessage());
        } catch (IOException e) {
            throw new ModelCallException(FailureKind.TRANSIENT, response.statusCode(),
                    "connection broke while reading the response: " + describe(e));
        }
    }

    /**
     * The body as JSON; null when it is empty, or not JSON on an error status (the status then speaks for it). A 200
     * that is not JSON is a transient failure: a proxy or a provider hiccup, worth another attempt.
     */
    public static JsonNode parse(JsonMapper json, byte[] body, int status) throws ModelCallException {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            if (status == 200) {
                throw new ModelCallException(FailureKind.TRANSIENT, 200, "a 200 whose body is not valid JSON ("
                        + body.length + " bytes)");
            }
            return null;
        }
    }

    /**
     * Raw base64 image bytes (as the Images APIs send them) checked to be a whole image.
     *
     * @param declaredType the provider's media type, or null
     * @param billed       what the call cost, carried by the failure so the money is still counted
     */
    public static ImageData decodeBase64Image(String base64, String declaredType, Double billed)
            throws ModelCallException {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, "the image's base64 is corrupt: "
                    + e.getMessage(), null, billed);
        }
        try {
            return ImageProbe.inspect(bytes, declaredType == null || declaredType.isBlank() ? null : declaredType);
        } catch (ImageProbe.InvalidImageException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, e.getMessage(), null, billed);
        }
    }

    public static String textOrNull(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }

    public static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** The exception's class and message; request headers (so the key) are never part of either. */
    public static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
