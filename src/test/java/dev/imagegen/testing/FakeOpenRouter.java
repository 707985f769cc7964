package dev.imagegen.testing;

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

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks OpenRouter's wire format for image generation through chat completions, including
 * its failure modes. What it answers is decided per request by a {@link Behaviour}; the default reads markers in
 * the prompt text (see {@link #markers}). It counts every call and every billed generation per (prompt, seed).
 */
public final class FakeOpenRouter implements AutoCloseable {

    /** A response to send: status, headers, body. */
    public record Reply(int status, Map<String, String> headers, byte[] body, long delayMs) {
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"),
                    body.getBytes(StandardCharsets.UTF_8), 0);
        }

        public Reply withDelay(long ms) {
            return new Reply(status, headers, body, ms);
        }

        public Reply withHeader(String name, String value) {
            var h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, h, body, delayMs);
        }
    }

    /** One request as the server saw it, and how many times this (prompt, seed) was asked before. */
    public record Call(JsonNode body, String prompt, Long seed, int attempt, String authorization) {
    }

    /** Decides the reply to a call. */
    @FunctionalInterface
    public interface Behaviour extends Function<Call, Reply> {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-openrouter");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> billed = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final List<Call> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;
    private volatile Freeze freeze;

    /** While set, responses wait instead of being sent; {@link #dropFrozen()} discards them unsent (unbilled). */
    private static final class Freeze {
        final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
        volatile boolean drop;
    }
    private volatile int imageBytes = 2048;
    private volatile double costPerImage = 0.04;

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

    public long calls() {
        return calls.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
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

    /** Discards the held-back responses without sending them, and lets new calls through again. */
    public void dropFrozen() {
        Freeze f = freeze;
        freeze = null;
        if (f != null) {
            f.drop = true;
            f.latch.countDown();
        }
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
            if (!exchange.getRequestURI().getPath().endsWith("/chat/completions")) {
                send(exchange, Reply.json(404, "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}"));
                return;
            }
            calls.incrementAndGet();
            JsonNode body = JSON.readTree(requestBody);
            String prompt = body.path("messages").path(0).path("content").asString("");
            Long seed = body.path("seed").isNumber() ? body.path("seed").asLong() : null;
            String key = key(prompt, seed);
            int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            Call call = new Call(body, prompt, seed, attempt, exchange.getRequestHeaders().getFirst("Authorization"));
            received.add(call);
            Reply reply = behaviour.apply(call);
            if (reply.delayMs() > 0) {
                Thread.sleep(reply.delayMs());
            }
            Freeze f = freeze;
            if (f != null) {
                f.latch.await();
                if (f.drop) {
                    return; // the client is gone: never sent, never billed
                }
            }
            send(exchange, reply);
            // Billed once the whole response went out: what a provider charges for.
            if (reply.status() == 200 && reply.body().length > 0 && isBilledImage(reply.body())) {
                billed.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
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

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        if (reply.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        }
    }

    /** A successful chat completion carrying one PNG as a data URL, with usage and cost. */
    public Reply success(Call call) {
        byte[] png = TestPng.of(imageBytes, key(call.prompt(), call.seed()));
        return successWith(call, "data:image/png;base64," + Base64.getEncoder().encodeToString(png), costPerImage);
    }

    public Reply successWith(Call call, String dataUrl, double cost) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "gen-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        root.put("provider", "FakeProvider");
        root.put("model", call.body().path("model").asString());
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
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
     *       {@code [error-200]} a 200 with an error object first; {@code [down]} always 502.</li>
     * </ul>
     */
    public Reply markers(Call call) {
        String p = call.prompt();
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
                    {"id":"gen-x","model":"openai/gpt-5.4-image-2","provider":"FakeProvider","choices":[{"index":0,\
                    "finish_reason":"stop","message":{"role":"assistant","content":"I can only describe it."}}],\
                    "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,"cost":0.0005}}""");
        }
        if (p.contains("[content-filter]")) {
            return Reply.json(200, """
                    {"id":"gen-x","model":"openai/gpt-5.4-image-2","choices":[{"index":0,"finish_reason":\
                    "content_filter","native_finish_reason":"IMAGE_SAFETY","message":{"role":"assistant",\
                    "content":""}}],"usage":{"prompt_tokens":12,"completion_tokens":0,"total_tokens":12,"cost":0}}""");
        }
        if (p.contains("[corrupt]")) {
            byte[] png = TestPng.of(imageBytes, p);
            byte[] cut = java.util.Arrays.copyOf(png, png.length / 2);
            return successWith(call, "data:image/png;base64," + Base64.getEncoder().encodeToString(cut), 0.04);
        }
        if (p.contains("[down]")) {
            return Reply.json(502, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}");
        }
        if (p.contains("[flaky]") && call.attempt() == 1) {
            return Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"No available provider\"}}");
        }
        if (p.contains("[rate-limit]") && call.attempt() == 1) {
            return Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\",\"metadata\":"
                    + "{\"error_type\":\"rate_limit_exceeded\"}}}").withHeader("Retry-After", "1");
        }
        if (p.contains("[error-200]") && call.attempt() == 1) {
            return Reply.json(200, """
                    {"id":"gen-x","model":"openai/gpt-5.4-image-2","choices":[{"index":0,"finish_reason":"error",\
                    "message":{"role":"assistant","content":""},"error":{"code":502,"message":"Provider disconnected",\
                    "metadata":{"error_type":"provider_unavailable"}}}],"usage":{"prompt_tokens":1,\
                    "completion_tokens":0,"total_tokens":1,"cost":0}}""");
        }
        return success(call);
    }

    /** Every call answered 401, as OpenRouter does for a wrong key. */
    public static Reply unauthorized(Call call) {
        return Reply.json(401, "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}");
    }

    /** Every call answered 402, as for an account out of credits. */
    public static Reply noCredits(Call call) {
        return Reply.json(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using "
                + "https://openrouter.ai/credits\"}}");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
