package dev.imagegen.batch;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.openai.OpenAiErrors;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.RunSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Files and Batches endpoints: upload an input file ({@code POST /files}, multipart, streamed from disk),
 * create, retrieve, list and cancel batches, and stream a result file ({@code GET /files/{id}/content}). Every call
 * goes through {@link ModelHttp} (redirects never followed, the whole exchange bounded) except the content download,
 * which is streamed and cut off when it stalls for {@code model.timeout}. Transient failures (5xx, 429, a broken
 * connection) are retried with the run's backoff; the key never reaches a message.
 */
public final class OpenAiBatchApi {

    /** The JSON replies of these endpoints are small (a list page is 100 batches). */
    private static final long MAX_JSON_BYTES = 16L << 20;
    /** An upload of up to 200 MB needs longer than one image call. */
    private static final Duration MIN_UPLOAD_TIMEOUT = Duration.ofMinutes(10);

    private final ModelSpec spec;
    private final RunSpec.Retry retry;
    private final HttpClient http;
    private final JsonMapper json;

    public OpenAiBatchApi(ModelSpec spec, RunSpec.Retry retry, HttpClient http, JsonMapper json) {
        this.spec = spec;
        this.retry = retry;
        this.http = http;
        this.json = json;
    }

    /** {@code POST /files} with {@code purpose=batch}; returns the file id. */
    public String upload(Path file, String filename) throws ModelCallException, InterruptedException {
        return retrying(() -> {
            String boundary = "imagegen-" + UUID.randomUUID();
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                            + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                            + filename
                            + "\"\r\nContent-Type: application/jsonl\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpRequest.BodyPublisher body;
            try {
                body = HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(file),
                        HttpRequest.BodyPublishers.ofByteArray(tail));
            } catch (java.io.FileNotFoundException e) {
                throw new ModelCallException(
                        FailureKind.CONFIGURATION,
                        null,
                        "the batch input file " + file + " is gone: " + e.getMessage());
            }
            Duration timeout = spec.timeout().compareTo(MIN_UPLOAD_TIMEOUT) > 0 ? spec.timeout() : MIN_UPLOAD_TIMEOUT;
            JsonNode reply = send(
                    HttpRequest.newBuilder(uri("/files"))
                            .timeout(timeout)
                            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                            .POST(body),
                    timeout);
            return reply.path("id").asString();
        });
    }

    /** {@code POST /batches}: the batch object. */
    public JsonNode create(String inputFileId, String endpoint, Map<String, String> metadata)
            throws ModelCallException, InterruptedException {
        ObjectNode body = json.createObjectNode();
        body.put("input_file_id", inputFileId);
        body.put("endpoint", endpoint);
        body.put("completion_window", "24h");
        ObjectNode meta = body.putObject("metadata");
        metadata.forEach(meta::put);
        byte[] bytes = json.writeValueAsBytes(body);
        // Not retried on a failure after the request went out: the batch may exist; the caller looks for it first.
        return sendJson("POST", "/batches", bytes);
    }

    /** {@code GET /batches/{id}}. */
    public JsonNode retrieve(String batchId) throws ModelCallException, InterruptedException {
        return retrying(() -> sendJson("GET", "/batches/" + encode(batchId), null));
    }

    /** {@code GET /batches?limit=..&after=..}: one page of the account's batches, newest first. */
    public JsonNode list(String after, int limit) throws ModelCallException, InterruptedException {
        String query = "?limit=" + limit + (after == null ? "" : "&after=" + encode(after));
        return retrying(() -> sendJson("GET", "/batches" + query, null));
    }

    /** {@code POST /batches/{id}/cancel}: the batch, now cancelling. */
    public JsonNode cancel(String batchId) throws ModelCallException, InterruptedException {
        return retrying(() -> sendJson("POST", "/batches/" + encode(batchId) + "/cancel", null));
    }

    /**
     * {@code GET /files/{id}/content} as a stream (a result file can be gigabytes); the caller closes it. A stall of
     * {@code model.timeout} without a byte closes it, so a read fails instead of hanging.
     */
    public InputStream content(String fileId) throws ModelCallException, InterruptedException {
        return retrying(() -> {
            HttpRequest request = HttpRequest.newBuilder(uri("/files/" + encode(fileId) + "/content"))
                    .header("Authorization", "Bearer " + spec.apiKey().reveal())
                    .GET()
                    .build();
            CompletableFuture<HttpResponse<InputStream>> call =
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> response;
            try {
                response = call.get(spec.timeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                call.cancel(true);
                throw new ModelCallException(
                        FailureKind.TRANSIENT,
                        null,
                        "no response to GET /files/" + fileId + "/content within "
                                + spec.timeout().toSeconds() + "s (model.timeout)");
            } catch (ExecutionException e) {
                throw new ModelCallException(
                        FailureKind.TRANSIENT,
                        null,
                        "GET /files/" + fileId + "/content failed: "
                                + (e.getCause() instanceof IOException io
                                        ? ModelHttp.describe(io)
                                        : String.valueOf(e.getCause())));
            }
            if (response.statusCode() >= 300 && response.statusCode() < 400) {
                try {
                    response.body().close();
                } catch (IOException ignored) {
                    // nothing to read from a redirect
                }
                throw new ModelCallException(
                        FailureKind.CONFIGURATION,
                        response.statusCode(),
                        "GET /files/"
                                + fileId
                                + "/content answered a redirect, which is never followed (it would carry the key "
                                + "elsewhere): set model.base-url to the provider's API address itself");
            }
            if (response.statusCode() != 200) {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(1 << 20);
                } catch (IOException e) {
                    body = new byte[0];
                }
                throw error(response.statusCode(), body);
            }
            return StallGuard.wrap(response.body(), spec.timeout());
        });
    }

    private JsonNode sendJson(String method, String path, byte[] body) throws ModelCallException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(spec.timeout());
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return send(b, spec.timeout());
    }

    private JsonNode send(HttpRequest.Builder request, Duration timeout)
            throws ModelCallException, InterruptedException {
        HttpRequest r = request.header(
                        "Authorization", "Bearer " + spec.apiKey().reveal())
                .build();
        ModelHttp.Response response = ModelHttp.send(http, r, timeout, MAX_JSON_BYTES);
        if (response.status() != 200) {
            throw error(response.status(), response.body());
        }
        JsonNode root = ModelHttp.parse(json, response.body(), 200);
        if (root == null || !root.isObject()) {
            throw new ModelCallException(
                    FailureKind.TRANSIENT, 200, r.method() + " " + r.uri().getPath() + ": a 200 without a JSON object");
        }
        return root;
    }

    private ModelCallException error(int status, byte[] body) {
        JsonNode root;
        try {
            root = ModelHttp.parse(json, body, status);
        } catch (ModelCallException e) {
            root = null;
        }
        return OpenAiErrors.classify(
                status,
                root == null ? null : root.get("error"),
                null,
                spec.apiKey().reveal());
    }

    private URI uri(String path) {
        return URI.create(spec.baseUrl() + path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** One call of the API. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws ModelCallException, InterruptedException;
    }

    /** Retries what may succeed later (5xx, 429 that is not a quota, a broken connection) with the run's backoff. */
    <T> T retrying(Call<T> call) throws ModelCallException, InterruptedException {
        Duration delay = retry.initialDelay();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (ModelCallException e) {
                if (e.kind().action() != FailureKind.Action.RETRY || attempt >= retry.maxAttempts()) {
                    throw e;
                }
                Thread.sleep(delay.toMillis());
                delay = delay.multipliedBy(2).compareTo(retry.maxDelay()) > 0
                        ? retry.maxDelay()
                        : delay.multipliedBy(2);
            }
        }
    }
}
