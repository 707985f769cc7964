package dev.imagegen.batch;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.JsonCall;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.openai.OpenAiErrors;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.RunSpec;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Files and Batches endpoints: upload an input file ({@code POST /files}, multipart, streamed from disk),
 * create, retrieve, list and cancel batches, and stream a result file ({@code GET /files/{id}/content}). Every call
 * goes through the clients' {@link JsonCall} (redirects never followed, the whole exchange bounded); the content
 * download's body is streamed ({@link JsonCall#stream}) and cut off when it stalls for {@code model.timeout}. Transient failures (5xx, 429, a broken
 * connection) are retried with the run's backoff; the key never reaches a message.
 */
public final class OpenAiBatchApi {

    /** The JSON replies of these endpoints are small (a list page is 100 batches). */
    private static final long MAX_JSON_BYTES = 16L << 20;
    /** An upload of up to 200 MB needs longer than one image call. */
    private static final Duration MIN_UPLOAD_TIMEOUT = Duration.ofMinutes(10);

    private final ModelSpec spec;
    private final RunSpec.Retry retry;
    private final JsonMapper json;
    private final JsonCall call;

    public OpenAiBatchApi(ModelSpec spec, RunSpec.Retry retry, HttpClient http, JsonMapper json) {
        this.spec = spec;
        this.retry = retry;
        this.json = json;
        this.call = new JsonCall(http, json, JsonCall.bearer(spec), spec.timeout(), MAX_JSON_BYTES);
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
                    "POST",
                    "/files",
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
        return retrying(() -> StallGuard.wrap(
                call.stream(uri("/files/" + encode(fileId) + "/content"), this::classify), spec.timeout()));
    }

    private JsonNode sendJson(String method, String path, byte[] body) throws ModelCallException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(spec.timeout());
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return send(method, path, b, spec.timeout());
    }

    /** One call through {@link JsonCall}: a 200 must be a JSON object. */
    private JsonNode send(String method, String path, HttpRequest.Builder request, Duration timeout)
            throws ModelCallException, InterruptedException {
        return call.send(request, timeout, this::classify, ok -> {
            JsonNode root = ModelHttp.parse(json, ok.body(), 200);
            if (root == null || !root.isObject()) {
                throw new ModelCallException(
                        FailureKind.TRANSIENT,
                        200,
                        method + " " + uri(path).getPath() + ": a 200 without a JSON object");
            }
            return root;
        });
    }

    /** OpenAI's error envelope; the Batch API's answers carry no retry hint the backoff would use. */
    private ModelCallException classify(int status, JsonNode error, HttpHeaders headers) {
        return OpenAiErrors.classify(status, error, null, spec.apiKey().reveal());
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
