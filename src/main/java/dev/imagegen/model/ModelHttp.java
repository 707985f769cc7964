package dev.imagegen.model;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP side every model client shares (through {@link JsonCall}): one exchange with a bounded body, the failures
 * of the connection classified as {@link FailureKind#TRANSIENT}, redirects refused, and base64 image payloads
 * checked with {@link ImageProbe}.
 *
 * <p>Over 250 lines because every way an exchange can end (deadline, cancel, redirect, a body too large, a dropped
 * connection) is decided here, once, for all three clients, the check and the Batch API.
 */
public final class ModelHttp {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

    private ModelHttp() {}

    /** A status, the headers and the whole (bounded) body of one response. */
    public record Response(int status, HttpHeaders headers, byte[] body) {}

    /**
     * The client of every model call and check: HTTP/1.1, and redirects never followed — a redirect would send the
     * {@code Authorization} header (the key) and the request to an address nobody configured.
     */
    public static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * A client for the life of a run's context, which closes it: stopped with {@code HttpClient.shutdownNow()} on JDK
     * 21 and later (an open client's selector thread, waiting in native code, holds the JVM's exit for 0.3 s). JDK 17
     * has no way to stop one; there the close does nothing and the thread ends with the process.
     */
    public record Lease(HttpClient http) implements AutoCloseable {

        public static Lease open() {
            return new Lease(newClient());
        }

        @Override
        public void close() {
            try {
                HttpClient.class.getMethod("shutdownNow").invoke(http);
            } catch (NoSuchMethodException e) {
                // JDK 17-20
            } catch (ReflectiveOperationException e) {
                // Stopping is only to exit sooner; a client that cannot be stopped ends with the process.
            }
        }
    }

    /**
     * Sends one request and reads its body. {@code timeout} bounds the whole call — connecting, the headers and the
     * last byte of the body — so a server that trickles its answer cannot hold a thread; past it the call is a
     * {@link FailureKind#TRANSIENT} failure like any timeout. An interrupt aborts the call at once. A redirect (3xx)
     * is a {@link FailureKind#CONFIGURATION} error: it is never followed. Header values (so the key) never reach an
     * exception message.
     *
     * @param body null for a GET
     */
    public static Response exchange(
            HttpClient http, URI uri, Map<String, String> headers, byte[] body, Duration timeout, long maxBytes)
            throws ModelCallException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        headers.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.GET();
        }
        return send(http, b.build(), timeout, maxBytes);
    }

    /** As {@link #exchange}, for a request built by the caller (another method or body, e.g. a multipart upload). */
    public static Response send(HttpClient http, HttpRequest request, Duration timeout, long maxBytes)
            throws ModelCallException, InterruptedException {
        HttpResponse<BoundedBody.Held> response = await(http, request, BoundedBody.handler(maxBytes), timeout);
        return new Response(
                response.statusCode(), response.headers(), response.body().take());
    }

    /**
     * As {@link #send}, for a body too large to hold (a Batch API result file): {@code timeout} bounds the call until
     * the headers are in, and the body is a stream the caller reads and closes.
     */
    public static HttpResponse<InputStream> open(HttpClient http, HttpRequest request, Duration timeout)
            throws ModelCallException, InterruptedException {
        return await(
                http,
                request,
                info -> info.statusCode() >= 300 && info.statusCode() < 400
                        ? HttpResponse.BodySubscribers.replacing(InputStream.nullInputStream())
                        : HttpResponse.BodySubscribers.ofInputStream(),
                timeout);
    }

    /**
     * The exchange as one future bounded by {@code timeout} and cancelled on timeout or interrupt (which closes the
     * connection: a stop is not held by a hanging body); its failures classified, a redirect refused.
     */
    private static <T> HttpResponse<T> await(
            HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> handler, Duration timeout)
            throws ModelCallException, InterruptedException {
        URI uri = request.uri();
        // The status once the headers are in (0 before): says whether a failure came before or during the body.
        AtomicInteger headersStatus = new AtomicInteger();
        CompletableFuture<HttpResponse<T>> call = http.sendAsync(request, info -> {
            headersStatus.set(info.statusCode());
            return handler.apply(info);
        });
        HttpResponse<T> response;
        try {
            response = call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw timedOut(uri, timeout, statusOrNull(headersStatus));
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw failed(uri, timeout, statusOrNull(headersStatus), e.getCause());
        }
        if (response.statusCode() >= 300 && response.statusCode() < 400) {
            throw redirected(uri, response);
        }
        return response;
    }

    private static Integer statusOrNull(AtomicInteger status) {
        return status.get() == 0 ? null : status.get();
    }

    /** The request went out and no whole answer came: the provider may finish and bill it (possibly billed). */
    private static ModelCallException timedOut(URI uri, Duration timeout, Integer status) {
        return new ModelCallException(
                        FailureKind.TRANSIENT,
                        status,
                        (status == null ? "no response from " : "the response from ") + uri.getHost()
                                + " was not complete within " + seconds(timeout)
                                + " (model.timeout)")
                .possiblyBilled();
    }

    private static ModelCallException failed(URI uri, Duration timeout, Integer status, Throwable cause) {
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BoundedBody.TooLarge tooLarge) {
            // An answer came, too large to read for its cost: the provider did the work.
            return new ModelCallException(FailureKind.INVALID_IMAGE, status, tooLarge.getMessage()).possiblyBilled();
        }
        if (cause instanceof HttpConnectTimeoutException) {
            // Never connected: nothing was sent, nothing can be billed.
            return new ModelCallException(
                    FailureKind.TRANSIENT,
                    null,
                    "could not connect to " + uri.getHost() + " within " + seconds(CONNECT_TIMEOUT));
        }
        if (cause instanceof HttpTimeoutException) {
            return timedOut(uri, timeout, status);
        }
        String why = cause instanceof IOException io ? describe(io) : String.valueOf(cause);
        ModelCallException e = new ModelCallException(
                FailureKind.TRANSIENT,
                status,
                status == null
                        ? "connection to " + uri.getHost() + " failed: " + why
                        : "connection broke while reading the response: " + why);
        // Refused or unreachable: never sent. Anything else (a reset, an EOF) came after the request went out.
        return cause instanceof java.net.ConnectException
                        || cause instanceof java.net.UnknownHostException
                        || cause instanceof java.nio.channels.UnresolvedAddressException
                ? e
                : e.possiblyBilled();
    }

    /**
     * A redirect is never followed (the key would go with it): the base URL is wrong or the server is not the
     * provider. Only the target's origin is named, never its path or query.
     */
    private static ModelCallException redirected(URI uri, HttpResponse<?> response) {
        String target = response.headers()
                .firstValue("location")
                .map(l -> {
                    try {
                        return " to " + origin(uri.resolve(l.strip()));
                    } catch (IllegalArgumentException e) {
                        return "";
                    }
                })
                .orElse("");
        return new ModelCallException(
                FailureKind.CONFIGURATION,
                response.statusCode(),
                origin(uri)
                        + " answered HTTP " + response.statusCode() + ", a redirect" + target
                        + ". Redirects are never followed, since they would send the API key elsewhere: set model.base-url "
                        + "to the provider's API address itself");
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
                throw new ModelCallException(
                        FailureKind.TRANSIENT, 200, "a 200 whose body is not valid JSON (" + body.length + " bytes)");
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
            bytes = strictOrMime(base64);
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(
                    FailureKind.INVALID_IMAGE, 200, "the image's base64 is corrupt: " + e.getMessage(), null, billed);
        }
        try {
            return ImageProbe.inspect(bytes, declaredType == null || declaredType.isBlank() ? null : declaredType);
        } catch (ImageProbe.InvalidImageException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, e.getMessage(), null, billed);
        }
    }

    /** Strict base64 first: the MIME decoder (line breaks allowed) scans the whole text before it decodes. */
    private static byte[] strictOrMime(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notStrict) {
            return Base64.getMimeDecoder().decode(base64);
        }
    }

    /** Scheme, host and port: never a user name, password, path or query that might carry a secret. */
    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
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
