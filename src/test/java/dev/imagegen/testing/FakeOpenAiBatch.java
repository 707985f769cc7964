package dev.imagegen.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks OpenAI's Files and Batches APIs: {@code POST /v1/files} (multipart, purpose batch),
 * {@code POST /v1/batches}, {@code GET /v1/batches} (paged, newest first), {@code GET /v1/batches/{id}},
 * {@code POST /v1/batches/{id}/cancel}, {@code GET /v1/files/{id}/content} (streamed JSONL) and
 * {@code GET /v1/models/{id}}. A batch moves on with each poll: validating, in_progress, then (after
 * {@link #pollsUntilDone}) completed — or expired with {@link #expireAfterHalf half} of its results, or failed
 * ({@link #failNextBatch}); a cancel ends it cancelled with half. Prompt markers pick a request's result as in
 * {@link FakeOpenAI#markers}: {@code [moderation]}, {@code [bad-request]}, {@code [no-image]}, {@code [corrupt]}.
 *
 * <p>Conformance: every JSON request and reply is checked against OpenAI's document (the multipart upload as its
 * parts, each input line's body against the request schema of its url, each output line's body against that
 * endpoint's response schema). The document no longer carries the line envelopes ({@code BatchRequestInput},
 * {@code BatchRequestOutput}, dropped from openai-openapi after 2025-03); their fields are checked here as that
 * older document had them.
 *
 * <p>For crash tests: {@link #holdCreateReplies()} creates a batch but does not answer until {@link #release()} (the
 * client is killed meanwhile: created, id never stored), and {@link #stallContentAfter} stops a download after some
 * lines. Money: {@link #billedUsd()} is what OpenAI bills for the completed requests, at batch prices (half).
 */
public final class FakeOpenAiBatch implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> MODELS = Set.of("gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini");
    private static final Set<String> ENDPOINTS = Set.of("/v1/images/generations", "/v1/images/edits");
    /** OpenAI's list prices, USD per million: text input, image input, image output; a batch bills half. */
    private static final Map<String, double[]> PRICES = Map.of(
            "gpt-image-2",
            new double[] {5, 8, 30},
            "gpt-image-1.5",
            new double[] {5, 8, 32},
            "gpt-image-1",
            new double[] {5, 10, 40},
            "gpt-image-1-mini",
            new double[] {2, 2.5, 8});

    /** One request of an input file, as much as the fake needs to answer it. */
    public record Request(String customId, String url, String model, String prompt, int references) {}

    /** A batch as the fake keeps it. */
    public static final class Batch {
        final String id;
        final String endpoint;
        final String inputFileId;
        final Map<String, String> metadata;
        final long createdAt;
        final List<Request> requests;
        volatile String status = "validating";
        volatile int polls;
        volatile String outputFileId;
        volatile String errorFileId;
        volatile int completed;
        volatile int failed;
        volatile boolean cancelRequested;
        volatile String failure;

        Batch(
                String id,
                String endpoint,
                String inputFileId,
                Map<String, String> metadata,
                long createdAt,
                List<Request> requests) {
            this.id = id;
            this.endpoint = endpoint;
            this.inputFileId = inputFileId;
            this.metadata = metadata;
            this.createdAt = createdAt;
            this.requests = requests;
        }

        public String id() {
            return id;
        }

        public String status() {
            return status;
        }

        public int polls() {
            return polls;
        }

        public List<Request> requests() {
            return requests;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        public String endpoint() {
            return endpoint;
        }
    }

    /** A result file: the requests it answers, each as a success or an error line. */
    private record ResultFile(
            String batchId,
            List<Request> lines,
            boolean errors,
            boolean expiredRest,
            List<Request> notRun,
            String notRunCode) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-openai-batch");
        t.setDaemon(true);
        return t;
    });
    private final Conformance conformance = new Conformance(OpenApiContract::openAi, "/v1");
    private final Map<String, List<Request>> inputFiles = new ConcurrentHashMap<>();
    private final Map<String, ResultFile> resultFiles = new ConcurrentHashMap<>();
    private final List<Batch> batches = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong(1000);
    private final AtomicInteger creates = new AtomicInteger();
    private final AtomicInteger uploads = new AtomicInteger();
    private final AtomicInteger downloads = new AtomicInteger();
    private final AtomicLong linesSent = new AtomicLong();
    private final Map<String, AtomicInteger> billedRequests = new ConcurrentHashMap<>();
    private final DoubleAdder billedUsd = new DoubleAdder();
    private final List<String> envelopeViolations = new CopyOnWriteArrayList<>();
    private volatile int pollsUntilDone = 2;
    private volatile boolean expireAfterHalf;
    private volatile String failNextBatch;
    private volatile CountDownLatch createGate;
    private volatile CountDownLatch contentGate;
    private volatile long stallAfterLines = -1;
    private volatile int imageBytes = 2048;
    private volatile long delayMs;
    private volatile byte[][] imagePool;

    public FakeOpenAiBatch() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Polls a batch answers before it ends (validating and in_progress count). */
    public FakeOpenAiBatch pollsUntilDone(int n) {
        this.pollsUntilDone = n;
        return this;
    }

    /** Batches end expired: the first half of their requests ran, the rest come back as {@code batch_expired}. */
    public FakeOpenAiBatch expireAfterHalf(boolean on) {
        this.expireAfterHalf = on;
        return this;
    }

    /** The next batch created fails validation with this message (no results). */
    public FakeOpenAiBatch failNextBatch(String message) {
        this.failNextBatch = message;
        return this;
    }

    /** Size of the PNGs returned; with a pool, the same few images are sent again (benchmarks: no time in the fake). */
    public FakeOpenAiBatch imageBytes(int bytes, boolean pooled) {
        this.imageBytes = bytes;
        if (pooled) {
            byte[][] pool = new byte[8][];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = Base64.getEncoder().encode(TestPng.of(bytes, "pool" + i));
            }
            imagePool = pool;
        }
        return this;
    }

    /** The switch to make it slow: every reply waits this long. */
    public FakeOpenAiBatch slow(long ms) {
        this.delayMs = ms;
        return this;
    }

    /** Batches are created, but the replies to create wait for {@link #release()}. */
    public FakeOpenAiBatch holdCreateReplies() {
        this.createGate = new CountDownLatch(1);
        return this;
    }

    /** Downloads stop after this many lines (across all downloads) until {@link #release()}. */
    public FakeOpenAiBatch stallContentAfter(long lines) {
        this.contentGate = new CountDownLatch(1);
        this.stallAfterLines = lines;
        return this;
    }

    /** Lets held replies and stalled downloads go on, and answers normally from now on. */
    public void release() {
        CountDownLatch c = createGate;
        createGate = null;
        if (c != null) {
            c.countDown();
        }
        CountDownLatch d = contentGate;
        contentGate = null;
        stallAfterLines = -1;
        if (d != null) {
            d.countDown();
        }
    }

    public List<Batch> batches() {
        return List.copyOf(batches);
    }

    /** How many batches were created ({@code POST /batches} that succeeded). */
    public int creates() {
        return creates.get();
    }

    public int uploads() {
        return uploads.get();
    }

    public int downloads() {
        return downloads.get();
    }

    public long linesSent() {
        return linesSent.get();
    }

    /** Per custom_id, how many times it was billed (a completed request, once per batch that ran it). */
    public Map<String, Integer> billedRequests() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        billedRequests.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** What the completed requests cost at batch prices (half of the Images API's list prices). */
    public double billedUsd() {
        return billedUsd.sum();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (method.equals("GET") && path.startsWith("/v1/files/") && path.endsWith("/content")) {
                content(exchange, path.substring("/v1/files/".length(), path.length() - "/content".length()));
                return;
            }
            Reply reply;
            if (method.equals("POST") && path.equals("/v1/files")) {
                reply = upload(exchange, body);
            } else if (method.equals("POST") && path.equals("/v1/batches")) {
                JsonNode json = JSON.readTree(body);
                conformance.request(exchange, json);
                reply = create(json);
            } else if (method.equals("GET") && path.equals("/v1/batches")) {
                reply = list(query(exchange));
            } else if (method.equals("GET") && path.startsWith("/v1/batches/")) {
                reply = poll(path.substring("/v1/batches/".length()));
            } else if (method.equals("POST") && path.startsWith("/v1/batches/") && path.endsWith("/cancel")) {
                reply = cancel(path.substring("/v1/batches/".length(), path.length() - "/cancel".length()));
            } else if (method.equals("GET") && path.startsWith("/v1/models/")) {
                String id = path.substring("/v1/models/".length());
                reply = MODELS.contains(id)
                        ? Reply.json(
                                200,
                                "{\"id\":\"" + id + "\",\"object\":\"model\","
                                        + "\"created\":1745000000,\"owned_by\":\"system\"}")
                        : FakeOpenAI.error(
                                404,
                                "The model `" + id + "` does not exist or you do not have access " + "to it.",
                                "invalid_request_error",
                                null,
                                "model_not_found");
            } else {
                reply = FakeOpenAI.error(
                        404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
            }
            if (reply == null) {
                return; // held until the client is gone
            }
            conformance.response(exchange, reply);
            FakeOpenRouter.write(exchange, reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> out = new HashMap<>();
        String q = exchange.getRequestURI().getRawQuery();
        if (q != null) {
            for (String part : q.split("&")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    out.put(part.substring(0, eq), URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /** {@code POST /files}: the multipart parts checked against CreateFileRequest, each line against its schema. */
    private Reply upload(HttpExchange exchange, byte[] body) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        String boundary =
                type == null || !type.contains("boundary=") ? null : type.substring(type.indexOf("boundary=") + 9);
        if (boundary == null) {
            return FakeOpenAI.error(400, "expected multipart/form-data", "invalid_request_error", null, null);
        }
        Map<String, byte[]> parts = Multipart.parse(body, boundary);
        ObjectNode asJson = JSON.createObjectNode();
        parts.forEach((name, value) ->
                asJson.put(name, name.equals("file") ? "<binary>" : new String(value, StandardCharsets.UTF_8)));
        envelopeViolations.addAll(
                OpenApiContract.openAi().requestViolations("POST", "/files", "multipart/form-data", asJson));
        byte[] file = parts.get("file");
        if (file == null) {
            return FakeOpenAI.error(400, "'file' is a required property", "invalid_request_error", "file", null);
        }
        List<Request> requests = new ArrayList<>();
        String text = new String(file, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l = JSON.readTree(line);
            checkInputLine(l);
            JsonNode b = l.path("body");
            requests.add(new Request(
                    l.path("custom_id").asString(),
                    l.path("url").asString(),
                    b.path("model").asString(),
                    b.path("prompt").asString(),
                    b.path("images").size()));
        }
        String id = "file-" + ids.incrementAndGet();
        inputFiles.put(id, requests);
        uploads.incrementAndGet();
        ObjectNode f = JSON.createObjectNode();
        f.put("id", id);
        f.put("object", "file");
        f.put("bytes", file.length);
        f.put("created_at", System.currentTimeMillis() / 1000);
        f.put("filename", "input.jsonl");
        f.put("purpose", "batch");
        f.put("status", "processed");
        return new Reply(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(f), 0, 0, null);
    }

    /** BatchRequestInput (openai-openapi until 2025-03): custom_id, method POST, url; the body per its url. */
    private void checkInputLine(JsonNode line) {
        for (String field : line.propertyNames()) {
            if (!Set.of("custom_id", "method", "url", "body").contains(field)) {
                envelopeViolations.add("input line: undeclared field " + field);
            }
        }
        if (!line.path("custom_id").isString()
                || !"POST".equals(line.path("method").asString(null))
                || !ENDPOINTS.contains(line.path("url").asString(""))) {
            envelopeViolations.add("input line: custom_id, method POST and an images url are required: "
                    + line.path("custom_id") + " " + line.path("method") + " " + line.path("url"));
            return;
        }
        String path = line.path("url").asString().substring(3);
        envelopeViolations.addAll(
                OpenApiContract.openAi().requestViolations("POST", path, "application/json", line.path("body")));
    }

    private Reply create(JsonNode body) throws InterruptedException {
        List<Request> requests = inputFiles.get(body.path("input_file_id").asString(""));
        if (requests == null) {
            return FakeOpenAI.error(400, "Invalid 'input_file_id'", "invalid_request_error", "input_file_id", null);
        }
        String endpoint = body.path("endpoint").asString();
        for (Request r : requests) {
            if (!r.url().equals(endpoint)) {
                return FakeOpenAI.error(
                        400,
                        "The url of every request must match the batch's endpoint",
                        "invalid_request_error",
                        "endpoint",
                        null);
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        body.path("metadata")
                .properties()
                .forEach(e -> metadata.put(e.getKey(), e.getValue().asString()));
        Batch batch = new Batch(
                "batch_" + ids.incrementAndGet(),
                endpoint,
                body.path("input_file_id").asString(),
                metadata,
                System.currentTimeMillis() / 1000,
                requests);
        if (failNextBatch != null) {
            batch.failure = failNextBatch;
            failNextBatch = null;
        }
        batches.add(batch);
        creates.incrementAndGet();
        CountDownLatch gate = createGate;
        if (gate != null) {
            gate.await(5, TimeUnit.MINUTES);
            return null;
        }
        return json(batch);
    }

    private Reply list(Map<String, String> query) {
        int limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : 20;
        List<Batch> newestFirst = new ArrayList<>(batches);
        java.util.Collections.reverse(newestFirst);
        int start = 0;
        if (query.containsKey("after")) {
            for (int i = 0; i < newestFirst.size(); i++) {
                if (newestFirst.get(i).id.equals(query.get("after"))) {
                    start = i + 1;
                }
            }
        }
        List<Batch> page =
                newestFirst.subList(Math.min(start, newestFirst.size()), Math.min(start + limit, newestFirst.size()));
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        page.forEach(b -> data.add(object(b)));
        if (!page.isEmpty()) {
            root.put("first_id", page.get(0).id);
            root.put("last_id", page.get(page.size() - 1).id);
        }
        root.put("has_more", start + limit < newestFirst.size());
        return new Reply(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(root), 0, 0, null);
    }

    private Batch find(String id) {
        return batches.stream().filter(b -> b.id.equals(id)).findFirst().orElse(null);
    }

    private Reply poll(String id) {
        Batch b = find(id);
        if (b == null) {
            return FakeOpenAI.error(404, "No batch found with id '" + id + "'.", "invalid_request_error", null, null);
        }
        synchronized (b) {
            b.polls++;
            if (b.status.equals("validating")) {
                b.status = b.failure != null ? "failed" : "in_progress";
            } else if (b.status.equals("in_progress") && b.polls >= pollsUntilDone) {
                finish(b, expireAfterHalf ? "expired" : "completed");
            } else if (b.status.equals("cancelling")) {
                finish(b, "cancelled");
            }
        }
        return json(b);
    }

    private Reply cancel(String id) {
        Batch b = find(id);
        if (b == null) {
            return FakeOpenAI.error(404, "No batch found with id '" + id + "'.", "invalid_request_error", null, null);
        }
        synchronized (b) {
            if (b.status.equals("validating") || b.status.equals("in_progress") || b.status.equals("finalizing")) {
                b.status = "cancelling";
            }
        }
        return json(b);
    }

    /** Ends a batch: which requests ran (all, or the first half), which succeeded, and the files. */
    private void finish(Batch b, String status) {
        boolean partial = !status.equals("completed");
        int ran = partial ? b.requests.size() / 2 : b.requests.size();
        List<Request> ok = new ArrayList<>();
        List<Request> errors = new ArrayList<>();
        for (Request r : b.requests.subList(0, ran)) {
            (failsWith(r) == null ? ok : errors).add(r);
        }
        List<Request> notRun = b.requests.subList(ran, b.requests.size());
        for (Request r : ok) {
            billedRequests
                    .computeIfAbsent(r.customId(), k -> new AtomicInteger())
                    .incrementAndGet();
            billedUsd.add(bill(r));
        }
        if (!ok.isEmpty()) {
            b.outputFileId = "file-" + ids.incrementAndGet();
            resultFiles.put(b.outputFileId, new ResultFile(b.id, ok, false, false, List.of(), null));
        }
        if (!errors.isEmpty() || !notRun.isEmpty()) {
            b.errorFileId = "file-" + ids.incrementAndGet();
            resultFiles.put(
                    b.errorFileId,
                    new ResultFile(
                            b.id,
                            errors,
                            true,
                            partial,
                            List.copyOf(notRun),
                            status.equals("cancelled") ? "batch_cancelled" : "batch_expired"));
        }
        b.completed = ok.size();
        b.failed = errors.size() + notRun.size();
        b.status = status;
    }

    private static String failsWith(Request r) {
        for (String marker : List.of("[moderation]", "[bad-request]", "[no-image]", "[corrupt]")) {
            if (r.prompt().contains(marker)) {
                return marker.equals("[no-image]") || marker.equals("[corrupt]") ? null : marker;
            }
        }
        return null;
    }

    private static double bill(Request r) {
        double[] p = PRICES.getOrDefault(r.model(), new double[] {0, 0, 0});
        return (50 * p[0] + 300L * r.references() * p[1] + (r.prompt().contains("[no-image]") ? 0 : 4160) * p[2])
                / 1_000_000d
                / 2;
    }

    private Reply json(Batch b) {
        return new Reply(
                200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(object(b)), 0, 0, null);
    }

    private ObjectNode object(Batch b) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", b.id);
        o.put("object", "batch");
        o.put("endpoint", b.endpoint);
        o.put("input_file_id", b.inputFileId);
        o.put("completion_window", "24h");
        o.put("status", b.status);
        o.put("created_at", b.createdAt);
        o.put("expires_at", b.createdAt + 86_400);
        if (b.outputFileId != null) {
            o.put("output_file_id", b.outputFileId);
        }
        if (b.errorFileId != null) {
            o.put("error_file_id", b.errorFileId);
        }
        if (b.failure != null && b.status.equals("failed")) {
            ObjectNode errors = o.putObject("errors");
            errors.put("object", "list");
            errors.putArray("data").addObject().put("code", "invalid_request").put("message", b.failure);
        }
        ObjectNode counts = o.putObject("request_counts");
        counts.put("total", b.requests.size());
        counts.put("completed", b.completed);
        counts.put("failed", b.failed);
        ObjectNode meta = o.putObject("metadata");
        b.metadata.forEach(meta::put);
        return o;
    }

    /** {@code GET /files/{id}/content}: the JSONL streamed line by line (an image is made as its line is sent). */
    private void content(HttpExchange exchange, String fileId) throws IOException, InterruptedException {
        ResultFile file = resultFiles.get(fileId);
        if (file == null) {
            Reply r = FakeOpenAI.error(404, "No such File object: " + fileId, "invalid_request_error", "id", null);
            conformance.response(exchange, r);
            FakeOpenRouter.write(exchange, r);
            return;
        }
        downloads.incrementAndGet();
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = new BufferedOutputStream(exchange.getResponseBody(), 1 << 16)) {
            for (Request r : file.lines()) {
                gate(out);
                if (!file.errors() && pool() != null && !r.prompt().contains("[")) {
                    writePooledLine(out, r);
                } else {
                    out.write(file.errors() ? errorLine(r) : successLine(r));
                }
                linesSent.incrementAndGet();
            }
            for (Request r : file.notRun()) {
                gate(out);
                ObjectNode l = JSON.createObjectNode();
                l.put("id", "batch_req_" + ids.incrementAndGet());
                l.put("custom_id", r.customId());
                l.putNull("response");
                l.putObject("error")
                        .put("code", file.notRunCode())
                        .put(
                                "message",
                                "This request could not be " + "executed before the completion window expired.");
                out.write(lineBytes(l));
                linesSent.incrementAndGet();
            }
        } catch (IOException e) {
            // the client went away (killed): fine
        }
    }

    private void gate(OutputStream out) throws IOException, InterruptedException {
        long stall = stallAfterLines;
        CountDownLatch gate = contentGate;
        if (stall >= 0 && gate != null && linesSent.get() >= stall) {
            out.flush();
            gate.await(5, TimeUnit.MINUTES);
        }
    }

    private byte[] successLine(Request r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("background", "opaque");
        body.put("output_format", "png");
        body.put("quality", "high");
        body.put("size", "1024x1024");
        ArrayNode data = body.putArray("data");
        boolean noImage = r.prompt().contains("[no-image]");
        if (!noImage) {
            String b64;
            byte[][] pool = imagePool;
            if (pool != null) {
                b64 = new String(
                        pool[(int) (Math.abs(r.customId().hashCode()) % pool.length)], StandardCharsets.ISO_8859_1);
            } else {
                byte[] png = TestPng.of(imageBytes, r.customId() + "#" + r.prompt());
                if (r.prompt().contains("[corrupt]")) {
                    png = java.util.Arrays.copyOf(png, png.length / 2);
                }
                b64 = Base64.getEncoder().encodeToString(png);
            }
            data.addObject().put("b64_json", b64);
        }
        ObjectNode usage = body.putObject("usage");
        int out = noImage ? 0 : 4160;
        usage.put("input_tokens", 50 + 300 * r.references());
        usage.put("output_tokens", out);
        usage.put("total_tokens", 50 + 300 * r.references() + out);
        usage.putObject("input_tokens_details").put("text_tokens", 50).put("image_tokens", 300 * r.references());
        usage.putObject("output_tokens_details").put("text_tokens", 0).put("image_tokens", out);
        if (pool() == null) {
            // The body as the endpoint's own 200 (the pooled benchmark skips this: it costs more than the client).
            envelopeViolations.addAll(OpenApiContract.openAi()
                    .responseViolations("POST", r.url().substring(3), 200, "application/json", body));
        }
        ObjectNode l = JSON.createObjectNode();
        l.put("id", "batch_req_" + ids.incrementAndGet());
        l.put("custom_id", r.customId());
        ObjectNode response = l.putObject("response");
        response.put("status_code", 200);
        response.put("request_id", "req_" + Long.toHexString(ids.incrementAndGet()));
        response.set("body", body);
        l.putNull("error");
        return lineBytes(l);
    }

    private byte[][] pool() {
        return imagePool;
    }

    /** Bodies of pooled lines, serialized once (by pool image and reference count): benchmarks time the client. */
    private final Map<String, byte[]> pooledBodies = new ConcurrentHashMap<>();

    /** The line {@link #successLine} makes for a pooled image, without serializing its megabytes again. */
    private void writePooledLine(OutputStream out, Request r) throws IOException {
        int image = (int) (Math.abs(r.customId().hashCode()) % imagePool.length);
        byte[] body = pooledBodies.computeIfAbsent(image + ":" + r.references(), k -> {
            byte[] line = successLine(r);
            JsonNode tree = JSON.readTree(line);
            return JSON.writeValueAsBytes(tree.path("response").path("body"));
        });
        ObjectNode head = JSON.createObjectNode();
        head.put("id", "batch_req_" + ids.incrementAndGet());
        head.put("custom_id", r.customId());
        head.putObject("response")
                .put("status_code", 200)
                .put("request_id", "req_" + Long.toHexString(ids.incrementAndGet()));
        String h = JSON.writeValueAsString(head);
        // {"id":..,"custom_id":..,"response":{"status_code":200,"request_id":".."}} -> .., "body": <body>},
        // "error":null}
        out.write(h.substring(0, h.length() - 2).getBytes(StandardCharsets.UTF_8));
        out.write(",\"body\":".getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.write("},\"error\":null}\n".getBytes(StandardCharsets.UTF_8));
    }

    private byte[] errorLine(Request r) {
        Reply reply = r.prompt().contains("[moderation]")
                ? FakeOpenAI.error(
                        400,
                        "Your request was rejected by the safety system. safety_violations=" + "[violence].",
                        "image_generation_user_error",
                        null,
                        "moderation_blocked")
                : FakeOpenAI.error(
                        400,
                        "Invalid value: '999x999'. Supported values are: '1024x1024', '1024x1536', "
                                + "'1536x1024', and 'auto'.",
                        "invalid_request_error",
                        "size",
                        "invalid_value");
        ObjectNode l = JSON.createObjectNode();
        l.put("id", "batch_req_" + ids.incrementAndGet());
        l.put("custom_id", r.customId());
        ObjectNode response = l.putObject("response");
        response.put("status_code", 400);
        response.put("request_id", "req_" + Long.toHexString(ids.incrementAndGet()));
        response.set("body", JSON.readTree(reply.body()));
        l.putNull("error");
        return lineBytes(l);
    }

    private static byte[] lineBytes(JsonNode line) {
        byte[] b = JSON.writeValueAsBytes(line);
        byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
        out[b.length] = '\n';
        return out;
    }

    /** What the requests received and the replies sent broke of OpenAI's document (and of the line envelopes). */
    public List<String> contractViolations() {
        List<String> all = new ArrayList<>(conformance.violations());
        all.addAll(envelopeViolations);
        return all;
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
        conformance.assertNone();
        if (!envelopeViolations.isEmpty()) {
            throw new AssertionError(envelopeViolations.size() + " violation(s) of OpenAI's document in batch files:"
                    + "\n  "
                    + String.join("\n  ", envelopeViolations.subList(0, Math.min(20, envelopeViolations.size()))));
        }
    }

    /** Just enough multipart/form-data parsing for the upload: part name to bytes. */
    static final class Multipart {
        private Multipart() {}

        static Map<String, byte[]> parse(byte[] body, String boundary) {
            Map<String, byte[]> parts = new LinkedHashMap<>();
            byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            int pos = indexOf(body, delimiter, 0);
            while (pos >= 0) {
                int start = pos + delimiter.length;
                if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                    break;
                }
                int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
                int next = indexOf(body, delimiter, headersEnd);
                if (headersEnd < 0 || next < 0) {
                    break;
                }
                String headers = new String(body, start, headersEnd - start, StandardCharsets.ISO_8859_1);
                int nameAt = headers.indexOf("name=\"");
                String name = nameAt < 0 ? "?" : headers.substring(nameAt + 6, headers.indexOf('"', nameAt + 6));
                int contentStart = headersEnd + 4;
                int contentEnd = next - 2; // the CRLF before the delimiter
                parts.put(name, java.util.Arrays.copyOfRange(body, contentStart, Math.max(contentStart, contentEnd)));
                pos = next;
            }
            return parts;
        }

        private static int indexOf(byte[] haystack, byte[] needle, int from) {
            outer:
            for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (haystack[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
