package dev.imagegen.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks OpenRouter's wire format for image generation through chat completions, including
 * its failure modes. What it answers is decided per request by a {@link Behaviour}; the default reads markers in
 * the prompt text (see {@link #markers}). It counts every call and every billed generation per (prompt, seed).
 *
 * <p>It bills like OpenRouter ({@link #bill()}): every answer that carries {@code usage.cost} is charged when the
 * server finishes it — errors inside a 200 and {@code finish_reason: "error"} included, and also when the client
 * went away before it was sent (a timeout: the provider did the work) — plus, for a BYOK answer
 * ({@code usage.is_byok}), the {@code cost_details.upstream_inference_cost} the user's own provider account pays.
 */
public final class FakeOpenRouter implements AutoCloseable {

    /**
     * A response to send: status, headers, body. {@code trickleMs} > 0 sends the headers at once and then the body
     * one byte every {@code trickleMs} (a server that stalls mid-body). {@code offContract} is null for a reply that
     * must conform to the provider's OpenAPI document (every JSON reply is checked, see {@link OpenApiContract}), or
     * says why this one deliberately does not (a broken provider, an old shape the client must still read).
     */
    public record Reply(
            int status, Map<String, String> headers, byte[] body, long delayMs, long trickleMs, String offContract) {
        public Reply(int status, Map<String, String> headers, byte[] body, long delayMs) {
            this(status, headers, body, delayMs, 0, null);
        }

        public static Reply json(int status, String body) {
            return new Reply(
                    status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8), 0);
        }

        /** A redirect to {@code location} (with an empty body), as a misconfigured proxy or a hostile server sends. */
        public static Reply redirect(int status, String location) {
            return new Reply(status, Map.of("Location", location), new byte[0], 0);
        }

        public Reply withDelay(long ms) {
            return new Reply(status, headers, body, ms, trickleMs, offContract);
        }

        /** The same reply with its body sent one byte every {@code ms} after the headers. */
        public Reply trickled(long ms) {
            return new Reply(status, headers, body, delayMs, ms, offContract);
        }

        public Reply withHeader(String name, String value) {
            var h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, h, body, delayMs, trickleMs, offContract);
        }

        /** This reply breaks the published contract on purpose; {@code why} says how. */
        public Reply offContract(String why) {
            return new Reply(status, headers, body, delayMs, trickleMs, why);
        }
    }

    /**
     * One request as the server saw it, and how many times this (prompt, seed) was asked before. {@code endpoint} is
     * {@link #CHAT} or {@link #IMAGES}; {@code n} the number of images asked for (1 for chat).
     */
    public record Call(
            JsonNode body, String prompt, Long seed, int attempt, String authorization, String endpoint, int n) {
        public Call(JsonNode body, String prompt, Long seed, int attempt, String authorization) {
            this(body, prompt, seed, attempt, authorization, CHAT, 1);
        }

        /** The reference image URLs the request carried (chat image_url parts, or the Image API's input_references). */
        public List<String> referenceUrls() {
            List<String> urls = new java.util.ArrayList<>();
            JsonNode parts = IMAGES.equals(endpoint)
                    ? body.path("input_references")
                    : body.path("messages").path(0).path("content");
            for (JsonNode part : parts) {
                if (part.path("image_url").path("url").isString()) {
                    urls.add(part.path("image_url").path("url").asString());
                }
            }
            return urls;
        }
    }

    public static final String CHAT = "chat";
    public static final String IMAGES = "images";

    /** Decides the reply to a call. */
    @FunctionalInterface
    public interface Behaviour extends Function<Call, Reply> {}

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static {
        // Without TCP_NODELAY every reply waits ~40 ms on delayed ACKs: 5,000 calls would take minutes.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-openrouter");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> billed = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    /** What the account was charged, exactly (see {@link #bill()}). */
    private java.math.BigDecimal bill = java.math.BigDecimal.ZERO;

    private final AtomicInteger billedAnswers = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final List<Call> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;
    private volatile java.util.function.BiFunction<String, Reply, Reply> metadataReplies = (path, r) -> r;
    private volatile Freeze freeze;

    /** While set, responses wait instead of being sent; {@link #dropFrozen()} discards them unsent (unbilled). */
    private static final class Freeze {
        final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
        volatile boolean drop;
        final List<Call> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    private volatile int imageBytes = 2048;
    private volatile double costPerImage = 0.04;
    private volatile String requiredKey;
    private volatile Double keyLimitRemaining;
    private volatile int maxImagesPerResponse = Integer.MAX_VALUE;
    private final List<String> metadataRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<JsonNode> unroutable = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Conformance conformance = new Conformance(OpenApiContract::openRouter, "/api/v1");

    public FakeOpenRouter() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        behaviour = this::markers;
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1";
    }

    public FakeOpenRouter behaviour(Behaviour b) {
        this.behaviour = b;
        return this;
    }

    public FakeOpenRouter imageBytes(int n) {
        this.imageBytes = n;
        return this;
    }

    public FakeOpenRouter costPerImage(double usd) {
        this.costPerImage = usd;
        return this;
    }

    /**
     * Changes what the GETs (key, model catalogues) answer, by path: e.g. {@code (path, r) -> r.trickled(500)} or a
     * redirect.
     */
    public FakeOpenRouter metadataReplies(java.util.function.BiFunction<String, Reply, Reply> change) {
        this.metadataReplies = change;
        return this;
    }

    /** Only this key is accepted (every endpoint answers 401 to another); by default any key is. */
    public FakeOpenRouter requireKey(String key) {
        this.requiredKey = key;
        return this;
    }

    /** What {@code GET /key} reports as {@code limit_remaining} (null: no limit). */
    public FakeOpenRouter keyLimitRemaining(Double usd) {
        this.keyLimitRemaining = usd;
        return this;
    }

    /** The Image API returns at most this many images, whatever n asked for (providers may return fewer). */
    public FakeOpenRouter maxImagesPerResponse(int n) {
        this.maxImagesPerResponse = n;
        return this;
    }

    /** The GET requests (key, model catalogues) as "GET /path?query", in order. */
    public List<String> metadataRequests() {
        return metadataRequests;
    }

    /**
     * The chat requests answered 404 because the model lacks an output modality they asked for (e.g.
     * {@code ["image","text"]} to an image-only model), as OpenRouter answers them: unbilled.
     */
    public List<JsonNode> unroutable() {
        return unroutable;
    }

    public long calls() {
        return calls.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Requests being answered right now (a trickled answer counts until its last byte or until the client left). */
    public int inFlight() {
        return inFlight.get();
    }

    public List<Call> received() {
        return received;
    }

    /** How many successful (billed) generations the server made for each (prompt, seed). */
    public Map<String, Integer> billedGenerations() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        billed.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public static String key(String prompt, Long seed) {
        return prompt + "#" + seed;
    }

    /** From now on, responses are held back (the calls stay in flight). */
    public void freeze() {
        if (freeze == null) {
            freeze = new Freeze();
        }
    }

    /** The calls whose responses are held back right now (see {@link #freeze()}). */
    public List<Call> frozenCalls() {
        Freeze f = freeze;
        return f == null ? List.of() : List.copyOf(f.held);
    }

    /**
     * Lets the held-back responses go, late: the provider finishes them and bills them, whether or not their client
     * is still there (a client killed meanwhile never reads them). New calls are answered at once again.
     */
    public void thaw() {
        Freeze f = freeze;
        freeze = null;
        if (f != null) {
            f.latch.countDown();
        }
    }

    /** Discards the held-back responses without sending them, and lets new calls through again. */
    public void dropFrozen() {
        Freeze f = freeze;
        freeze = null;
        if (f != null) {
            f.drop = true;
            f.latch.countDown();
        }
    }

    /**
     * What this server charged so far, in USD, to the cent and beyond: the stated cost of every answer it finished
     * (sent or not), BYOK upstream costs included. Compare with the ledger's sum.
     */
    public synchronized java.math.BigDecimal bill() {
        return bill;
    }

    /** How many answers were charged (each with a {@code usage.cost}). */
    public int billedAnswers() {
        return billedAnswers.get();
    }

    /** Charges the answer as OpenRouter does: {@code usage.cost}, plus the upstream cost of a BYOK key. */
    private void charge(Reply reply) {
        java.math.BigDecimal cost = costOf(reply.body());
        if (cost != null) {
            synchronized (this) {
                bill = bill.add(cost);
            }
            billedAnswers.incrementAndGet();
        }
    }

    /** What an answer's body says it costs, or null when it carries no usage cost. */
    static java.math.BigDecimal costOf(byte[] body) {
        if (body.length == 0 || body[0] != '{') {
            return null;
        }
        JsonNode usage;
        try {
            usage = JSON.readTree(body).path("usage");
        } catch (RuntimeException e) {
            return null;
        }
        if (!usage.path("cost").isNumber()) {
            return null;
        }
        java.math.BigDecimal cost = usage.path("cost").decimalValue();
        JsonNode upstream = usage.path("cost_details").path("upstream_inference_cost");
        if (usage.path("is_byok").asBoolean(false) && upstream.isNumber()) {
            cost = cost.add(upstream.decimalValue());
        }
        return cost;
    }

    /** The number of billed generations so far. */
    public int billedTotal() {
        return billed.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            byte[] requestBody;
            try (InputStream in = exchange.getRequestBody()) {
                requestBody = in.readAllBytes();
            }
            String path = exchange.getRequestURI().getPath();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (requiredKey != null && !("Bearer " + requiredKey).equals(authorization)) {
                send(exchange, unauthorized(null));
                return;
            }
            boolean get = exchange.getRequestMethod().equals("GET");
            if (get) {
                String query = exchange.getRequestURI().getRawQuery();
                metadataRequests.add("GET " + path + (query == null ? "" : "?" + query));
                send(exchange, metadataReplies.apply(path, metadata(path, query)));
                return;
            }
            String endpoint = path.endsWith("/chat/completions") ? CHAT : path.endsWith("/images") ? IMAGES : null;
            if (endpoint == null) {
                send(exchange, Reply.json(404, "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}"));
                return;
            }
            calls.incrementAndGet();
            JsonNode body = JSON.readTree(requestBody);
            conformance.request(exchange, body);
            Reply unroutable = CHAT.equals(endpoint) ? FakeCatalogue.unroutable(body) : null;
            if (unroutable != null) {
                // Refused before any provider is asked: not billed, not an attempt of the prompt.
                this.unroutable.add(body);
                send(exchange, unroutable);
                return;
            }
            String prompt =
                    endpoint.equals(CHAT) ? chatText(body) : body.path("prompt").asString("");
            Long seed = body.path("seed").isNumber() ? body.path("seed").asLong() : null;
            String key = key(prompt, seed);
            int attempt =
                    attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            Call call = new Call(
                    body,
                    prompt,
                    seed,
                    attempt,
                    authorization,
                    endpoint,
                    body.path("n").isNumber() ? body.path("n").asInt() : 1);
            received.add(call);
            Reply reply = behaviour.apply(call);
            if (reply.delayMs() > 0) {
                Thread.sleep(reply.delayMs());
            }
            Freeze f = freeze;
            if (f != null) {
                f.held.add(call);
                f.latch.await();
                if (f.drop) {
                    return; // the client is gone: never sent, never billed
                }
            }
            // The provider finished the work: billed whether or not the client is still there to read it.
            charge(reply);
            rememberGeneration(reply);
            try {
                send(exchange, reply);
            } catch (IOException clientGone) {
                return; // a timed-out client: charged above, never delivered
            }
            // Billed once the whole response went out: what a provider charges for.
            int images = reply.status() == 200 ? billedImages(reply.body()) : 0;
            if (images > 0) {
                billed.computeIfAbsent(key, k -> new AtomicInteger()).addAndGet(images);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static boolean isBilledImage(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8);
        return s.contains("\"images\"") && !s.contains("\"error\"");
    }

    /** How many images a 200 carried: one for a chat completion with images, data.length for the Image API. */
    private static int billedImages(byte[] body) {
        if (body.length == 0) {
            return 0;
        }
        if (isBilledImage(body)) {
            return 1;
        }
        try {
            JsonNode root = JSON.readTree(body);
            return root.has("error") ? 0 : root.path("data").size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The prompt of a chat request: the content string, or the text part when the content is an array. */
    private static String chatText(JsonNode body) {
        JsonNode content = body.path("messages").path(0).path("content");
        if (content.isArray()) {
            for (JsonNode part : content) {
                if ("text".equals(part.path("type").asString(""))) {
                    return part.path("text").asString("");
                }
            }
            return "";
        }
        return content.asString("");
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        conformance.response(exchange, reply);
        write(exchange, reply);
    }

    /** Sends a reply as it is (a trickled body included), unchecked: the caller checked it against its document. */
    static void write(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (reply.trickleMs() > 0 && reply.body().length > 0) {
            trickle(exchange, reply);
            return;
        }
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        if (reply.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        }
    }

    /** Headers at once (chunked), then one byte per {@code trickleMs}, until done or the client went away. */
    private static void trickle(HttpExchange exchange, Reply reply) throws IOException {
        exchange.sendResponseHeaders(reply.status(), 0);
        try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
            for (byte b : reply.body()) {
                Thread.sleep(reply.trickleMs());
                out.write(b);
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("server closed while trickling");
        }
    }

    /**
     * A successful chat completion carrying one PNG as a data URL, with usage and cost; for the Image API, n PNGs
     * (at most {@link #maxImagesPerResponse}) as raw base64.
     */
    public Reply success(Call call) {
        if (IMAGES.equals(call.endpoint())) {
            return imagesSuccess(call, Math.min(call.n(), maxImagesPerResponse), false);
        }
        byte[] png = TestPng.of(imageBytes, key(call.prompt(), call.seed()));
        return successWith(call, "data:image/png;base64," + Base64.getEncoder().encodeToString(png), costPerImage);
    }

    /** The Image API's 200: {@code data[].b64_json} with {@code media_type}, and {@code usage.cost}. */
    public Reply imagesSuccess(Call call, int count, boolean corrupt) {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", System.currentTimeMillis() / 1000);
        var data = root.putArray("data");
        for (int i = 0; i < count; i++) {
            byte[] png = TestPng.of(imageBytes, key(call.prompt(), call.seed()) + "#" + i);
            if (corrupt) {
                png = java.util.Arrays.copyOf(png, png.length / 2);
            }
            data.addObject()
                    .put("b64_json", Base64.getEncoder().encodeToString(png))
                    .put("media_type", "image/png");
        }
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", 0);
        usage.put("completion_tokens", 1290 * count);
        usage.put("total_tokens", 1290 * count);
        usage.put("cost", costPerImage * count);
        // The Image API's body has no id: OpenRouter names the generation in this header on every endpoint.
        return new Reply(
                200,
                Map.of(
                        "Content-Type",
                        "application/json",
                        "X-Generation-Id",
                        "gen-" + Long.toHexString(ThreadLocalRandom.current().nextLong())),
                JSON.writeValueAsBytes(root),
                0);
    }

    /**
     * A successful chat completion through a BYOK key: {@code usage.cost} is OpenRouter's fee, the provider's own
     * charge is {@code cost_details.upstream_inference_cost} (billed to the user's provider account: both are paid).
     */
    public Reply byokSuccess(Call call, double fee, double upstream) {
        Reply reply = successWith(
                call,
                "data:image/png;base64,"
                        + Base64.getEncoder().encodeToString(TestPng.of(imageBytes, key(call.prompt(), call.seed()))),
                fee);
        ObjectNode root = (ObjectNode) JSON.readTree(reply.body());
        ObjectNode usage = (ObjectNode) root.path("usage");
        usage.put("is_byok", true);
        ObjectNode details = usage.putObject("cost_details");
        details.put("upstream_inference_cost", upstream);
        details.put("upstream_inference_prompt_cost", 0.0);
        details.put("upstream_inference_completions_cost", upstream);
        return new Reply(200, reply.headers(), JSON.writeValueAsBytes(root), 0);
    }

    /**
     * A chat completion that ends in an error and is billed for it: HTTP 200, {@code finish_reason: "error"}, an
     * {@code error} object in the choice, and {@code usage.cost} (what OpenRouter charges for the work done).
     */
    public static Reply billedError(double cost) {
        return Reply.json(200, """
                {"id":"gen-err","object":"chat.completion","created":1,"system_fingerprint":null,\
                "model":"openai/gpt-5.4-image-2","provider":"FakeProvider","choices":[{"index":0,\
                "finish_reason":"error","message":{"role":"assistant","content":""},"error":{"code":502,\
                "message":"Provider disconnected mid-generation","metadata":{"error_type":"provider_unavailable"}}}],\
                "usage":{"prompt_tokens":12,"completion_tokens":600,"total_tokens":612,"cost":%s}}""".formatted(java.math.BigDecimal.valueOf(cost).toPlainString()));
    }

    /** The Image API's 200 with {@code count} PNGs of which the one at {@code badIndex} is truncated. */
    public Reply imagesSuccessWithOneBad(Call call, int count, int badIndex) {
        Reply good = imagesSuccess(call, count, false);
        ObjectNode root = (ObjectNode) JSON.readTree(good.body());
        ObjectNode bad = (ObjectNode) root.path("data").get(badIndex);
        byte[] png = Base64.getDecoder().decode(bad.path("b64_json").asString());
        bad.put("b64_json", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(png, png.length / 2)));
        return new Reply(200, good.headers(), JSON.writeValueAsBytes(root), 0);
    }

    public Reply successWith(Call call, String dataUrl, double cost) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "gen-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        root.put("provider", "FakeProvider");
        root.put("model", call.body().path("model").asString());
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.putNull("system_fingerprint");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("finish_reason", "stop");
        choice.put("native_finish_reason", "STOP");
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", "Here is your image.");
        ObjectNode image = message.putArray("images").addObject();
        image.put("type", "image_url");
        image.putObject("image_url").put("url", dataUrl);
        image.put("index", 0);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", 12);
        usage.put("completion_tokens", 1290);
        usage.put("total_tokens", 1302);
        usage.put("cost", cost);
        usage.putObject("completion_tokens_details").put("image_tokens", 1290);
        return new Reply(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(root), 0);
    }

    /**
     * The default behaviour: markers in the prompt pick a failure mode, anything else succeeds.
     * <ul>
     *   <li>{@code [moderation]} 403 with moderation metadata; {@code [bad-request]} 400;</li>
     *   <li>{@code [no-image]} a 200 without images; {@code [corrupt]} a 200 whose PNG is truncated;</li>
     *   <li>{@code [content-filter]} a 200 with finish_reason content_filter;</li>
     *   <li>{@code [flaky]} 503 on the first attempt; {@code [rate-limit]} 429 with Retry-After: 1 first;
     *       {@code [error-200]} a 200 with an error object first; {@code [down]} always 502;</li>
     *   <li>Image API only: {@code [one-corrupt]} n images of which the last is truncated.</li>
     * </ul>
     */
    public Reply markers(Call call) {
        String p = call.prompt();
        if (IMAGES.equals(call.endpoint())) {
            Reply images = imageApiMarkers(call);
            if (images != null) {
                return images;
            }
        }
        if (p.contains("[fallback]") && call.body().path("models").size() > 1) {
            // The primary model is down: OpenRouter answers with the first fallback, from another provider.
            Reply reply = success(call);
            ObjectNode root = (ObjectNode) JSON.readTree(reply.body());
            root.put("model", call.body().path("models").get(1).asString());
            root.put("provider", "FallbackProvider");
            return new Reply(200, reply.headers(), JSON.writeValueAsBytes(root), 0);
        }
        if (p.contains("[moderation]")) {
            return Reply.json(403, """
                    {"error":{"code":403,"message":"Input was flagged by moderation","metadata":{"reasons":["violence"],\
                    "flagged_input":"...","provider_name":"FakeProvider","model_slug":"openai/gpt-5.4-image-2"}}}""");
        }
        if (p.contains("[bad-request]")) {
            return Reply.json(400, "{\"error\":{\"code\":400,\"message\":\"Invalid image_config\"}}");
        }
        if (p.contains("[no-image]")) {
            return Reply.json(200, """
                    {"id":"gen-x","object":"chat.completion","created":1,"system_fingerprint":null,\
                    "model":"openai/gpt-5.4-image-2","provider":"FakeProvider","choices":[{"index":0,\
                    "finish_reason":"stop","message":{"role":"assistant","content":"I can only describe it."}}],\
                    "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,"cost":0.0005}}""");
        }
        if (p.contains("[content-filter]")) {
            return Reply.json(200, """
                    {"id":"gen-x","object":"chat.completion","created":1,"system_fingerprint":null,\
                    "model":"openai/gpt-5.4-image-2","choices":[{"index":0,"finish_reason":\
                    "content_filter","native_finish_reason":"IMAGE_SAFETY","message":{"role":"assistant",\
                    "content":""}}],"usage":{"prompt_tokens":12,"completion_tokens":0,"total_tokens":12,"cost":0}}""");
        }
        if (p.contains("[corrupt]")) {
            byte[] png = TestPng.of(imageBytes, p);
            byte[] cut = java.util.Arrays.copyOf(png, png.length / 2);
            return successWith(
                    call, "data:image/png;base64," + Base64.getEncoder().encodeToString(cut), 0.04);
        }
        if (p.contains("[down]")) {
            return Reply.json(502, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}");
        }
        if (p.contains("[flaky]") && call.attempt() == 1) {
            return Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"No available provider\"}}");
        }
        if (p.contains("[rate-limit]") && call.attempt() == 1) {
            return Reply.json(
                            429,
                            "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\",\"metadata\":"
                                    + "{\"error_type\":\"rate_limit_exceeded\"}}}")
                    .withHeader("Retry-After", "1");
        }
        if (p.contains("[error-200]") && call.attempt() == 1) {
            return Reply.json(200, """
                    {"id":"gen-x","object":"chat.completion","created":1,"system_fingerprint":null,\
                    "model":"openai/gpt-5.4-image-2","choices":[{"index":0,"finish_reason":"error",\
                    "message":{"role":"assistant","content":""},"error":{"code":502,"message":"Provider disconnected",\
                    "metadata":{"error_type":"provider_unavailable"}}}],"usage":{"prompt_tokens":1,\
                    "completion_tokens":0,"total_tokens":1,"cost":0}}""");
        }
        return success(call);
    }

    /**
     * The markers whose Image API answer differs from chat's: a 200 without images, a refusal (no finish_reason
     * there: a 400 typed content_policy_violation), a truncated PNG, a 200 carrying an error; null for the rest.
     */
    private Reply imageApiMarkers(Call call) {
        String p = call.prompt();
        if (p.contains("[no-image]")) {
            return Reply.json(
                    200,
                    "{\"created\":1,\"data\":[],\"usage\":{\"prompt_tokens\":0,"
                            + "\"completion_tokens\":0,\"total_tokens\":0,\"cost\":0.0005}}");
        }
        if (p.contains("[content-filter]")) {
            return Reply.json(400, """
                    {"error":{"code":400,"message":"Output image was flagged by the provider's safety filter",\
                    "metadata":{"error_type":"content_policy_violation","provider_name":"FakeProvider"}}}""");
        }
        if (p.contains("[corrupt]")) {
            return imagesSuccess(call, Math.min(call.n(), maxImagesPerResponse), true);
        }
        if (p.contains("[one-corrupt]")) {
            int n = Math.min(call.n(), maxImagesPerResponse);
            return imagesSuccessWithOneBad(call, n, n - 1); // the last of n is truncated, the others are whole
        }
        if (p.contains("[error-200]") && call.attempt() == 1) {
            return Reply.json(200, """
                    {"created":1,"data":[],"error":{"code":502,"message":"Provider disconnected",\
                    "metadata":{"error_type":"provider_unavailable"}}}""").offContract("the Image API's document has no error inside a 200; chat's has");
        }
        if (call.n() > 1 && !call.body().path("model").asString("").equals(IMAGE_API_MULTI_MODEL)) {
            return Reply.json(
                    400,
                    "{\"error\":{\"code\":400,\"message\":\"This model generates one image per "
                            + "request; n must be 1\",\"metadata\":{\"error_type\":\"invalid_request\"}}}");
        }
        return null;
    }

    /** The one Image API model of the catalogue that takes n > 1 (up to 4). */
    public static final String IMAGE_API_MULTI_MODEL = "openai/gpt-5.4-image-2";

    /**
     * GET /key, /models, /models/{author}/{slug}/endpoints, /images/models and
     * /images/models/{author}/{slug}/endpoints, from {@link FakeCatalogue}.
     */
    private Reply metadata(String path, String query) {
        String p = path.startsWith("/api/v1") ? path.substring("/api/v1".length()) : path;
        if (p.equals("/key")) {
            return FakeCatalogue.key(keyLimitRemaining);
        }
        if (p.equals("/generation")) {
            return generation(query);
        }
        if (p.equals("/images/models")) {
            return FakeCatalogue.imageModels();
        }
        if (p.startsWith("/images/models/") && p.endsWith("/endpoints")) {
            return FakeCatalogue.imageEndpoints(
                    p.substring("/images/models/".length(), p.length() - "/endpoints".length()));
        }
        if (p.startsWith("/models/") && p.endsWith("/endpoints")) {
            return FakeCatalogue.chatEndpoints(p.substring("/models/".length(), p.length() - "/endpoints".length()));
        }
        if (p.equals("/models")) {
            return FakeCatalogue.models(query);
        }
        return FakeCatalogue.notFound();
    }

    /**
     * What OpenRouter keeps of one generation and answers at {@code GET /generation?id=}: the cost it billed (for a
     * BYOK call {@code totalCost} is OpenRouter's fee and {@code upstreamCost} the provider's charge), the model,
     * the provider and the tokens.
     */
    public record BilledGeneration(
            String id,
            double totalCost,
            Double upstreamCost,
            boolean byok,
            String model,
            String provider,
            long promptTokens,
            long completionTokens,
            String apiType) {

        /** What the user paid for it: the total, plus the provider's charge for a BYOK call. */
        public double paid() {
            return totalCost + (byok && upstreamCost != null ? upstreamCost : 0);
        }
    }

    private final Map<String, BilledGeneration> generations = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> generationLookups = new ConcurrentHashMap<>();
    private volatile int generationNotFoundLookups;

    /**
     * Remembers the generation of a 200 that went out whole (its id from the body, or the Image API's
     * {@code X-Generation-Id} header), billed at its {@code usage.cost} (plus {@code upstream_inference_cost} for
     * BYOK) or, when the answer states no cost, at {@link #costPerImage} per image it carried — as the provider bills
     * it whatever the answer says.
     */
    private void rememberGeneration(Reply reply) {
        if (reply.status() != 200 || reply.body().length == 0) {
            return;
        }
        JsonNode root;
        try {
            root = JSON.readTree(reply.body());
        } catch (RuntimeException e) {
            return;
        }
        if (root == null || !root.isObject()) {
            return;
        }
        String id = root.path("id").isString()
                ? root.path("id").asString()
                : reply.headers().getOrDefault("X-Generation-Id", null);
        if (id == null) {
            return;
        }
        JsonNode usage = root.path("usage");
        boolean byok = usage.path("is_byok").asBoolean(false);
        JsonNode upstream = usage.path("cost_details").path("upstream_inference_cost");
        double total = usage.path("cost").isNumber()
                ? usage.path("cost").asDouble()
                : billedImages(reply.body()) * costPerImage;
        if (!usage.path("cost").isNumber() && total > 0) {
            // An answer that states no cost is billed all the same (charge() only sees stated costs).
            synchronized (this) {
                bill = bill.add(java.math.BigDecimal.valueOf(total));
            }
        }
        generations.put(
                id,
                new BilledGeneration(
                        id,
                        total,
                        upstream.isNumber() ? upstream.asDouble() : null,
                        byok,
                        root.path("model").asString(root.has("data") ? "openai/gpt-5.4-image-2" : ""),
                        root.path("provider").asString("FakeProvider"),
                        usage.path("prompt_tokens").asLong(0),
                        usage.path("completion_tokens").asLong(0),
                        root.has("data") ? "image" : "completions"));
    }

    /** Every generation billed so far, by id. */
    public Map<String, BilledGeneration> generations() {
        return Map.copyOf(generations);
    }

    /** How often {@code GET /generation} was asked for each id. */
    public Map<String, Integer> generationLookups() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        generationLookups.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * The first {@code n} lookups of each generation answer 404, as OpenRouter does for a few seconds after a call,
     * until the generation's record is written.
     */
    public FakeOpenRouter generationNotFoundLookups(int n) {
        this.generationNotFoundLookups = n;
        return this;
    }

    /** {@code GET /generation?id=}: the generation's record, shaped as the OpenAPI document's GenerationResponse. */
    private Reply generation(String query) {
        String id = null;
        for (String pair : query == null ? new String[0] : query.split("&")) {
            if (pair.startsWith("id=")) {
                id = java.net.URLDecoder.decode(pair.substring(3), StandardCharsets.UTF_8);
            }
        }
        if (id == null || id.isEmpty()) {
            return Reply.json(400, "{\"error\":{\"code\":400,\"message\":\"id is required\"}}");
        }
        int lookup =
                generationLookups.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        BilledGeneration g = generations.get(id);
        if (g == null || lookup <= generationNotFoundLookups) {
            return Reply.json(404, "{\"error\":{\"code\":404,\"message\":\"Generation " + id + " not found\"}}");
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode d = root.putObject("data");
        d.put("id", g.id());
        d.put("upstream_id", "upstream-" + g.id());
        d.put("total_cost", g.totalCost());
        d.putNull("cache_discount");
        if (g.upstreamCost() == null) {
            d.putNull("upstream_inference_cost");
        } else {
            d.put("upstream_inference_cost", g.upstreamCost());
        }
        d.put("created_at", "2026-11-24T04:20:05.000000+00:00");
        d.put("model", g.model());
        d.putNull("app_id");
        d.put("streamed", false);
        d.put("cancelled", false);
        d.put("provider_name", g.provider());
        d.put("latency", 1250);
        d.put("moderation_latency", 50);
        d.put("generation_time", 1200);
        d.put("finish_reason", "stop");
        d.putNull("service_tier");
        d.put("tokens_prompt", g.promptTokens());
        d.put("tokens_completion", g.completionTokens());
        d.put("native_tokens_prompt", g.promptTokens());
        d.put("native_tokens_completion", g.completionTokens());
        d.put("native_tokens_completion_images", g.completionTokens());
        d.put("native_tokens_reasoning", 0);
        d.put("native_tokens_cached", 0);
        d.put("num_media_prompt", 0);
        d.put("num_input_audio_prompt", 0);
        d.put("num_media_completion", 1);
        d.put("num_search_results", 0);
        d.put("num_fetches", 0);
        d.putNull("web_search_engine");
        d.put("origin", "");
        d.put("usage", g.totalCost());
        d.put("is_byok", g.byok());
        d.put("native_finish_reason", "STOP");
        d.putNull("external_user");
        d.put("api_type", g.apiType());
        d.putNull("preset_id");
        d.putNull("router");
        d.putNull("provider_responses");
        d.putNull("user_agent");
        d.putNull("http_referer");
        d.put("data_region", "global");
        d.putNull("workspace_id");
        return new Reply(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(root), 0);
    }

    /** A successful answer whose usage states no cost (the provider bills it all the same, see {@link #generations}). */
    public Reply successWithoutCost(Call call) {
        Reply reply = success(call);
        ObjectNode root = (ObjectNode) JSON.readTree(reply.body());
        ((ObjectNode) root.path("usage")).remove("cost");
        return new Reply(200, reply.headers(), JSON.writeValueAsBytes(root), 0);
    }

    /** Every call answered 401, as OpenRouter does for a wrong key. */
    public static Reply unauthorized(Call call) {
        return Reply.json(401, "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}");
    }

    /** Every call answered 402, as for an account out of credits. */
    public static Reply noCredits(Call call) {
        return Reply.json(
                402,
                "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using "
                        + "https://openrouter.ai/credits\"}}");
    }

    /** Off: requests and replies are not checked against the OpenAPI document (the benchmark's server). */
    public FakeOpenRouter conformance(boolean on) {
        conformance.enabled(on);
        return this;
    }

    /** What the requests received and the replies sent so far broke of OpenRouter's OpenAPI document. */
    public List<String> contractViolations() {
        return conformance.violations();
    }

    /** @throws AssertionError when a request or a reply broke the OpenAPI document: the test that used it fails */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        conformance.assertNone();
    }
}
