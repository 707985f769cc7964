package dev.imagegen.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks OpenAI's Images API: {@code POST /v1/images/generations}, the JSON form of
 * {@code POST /v1/images/edits} ({@code images: [{image_url}]}) and {@code GET /v1/models/{id}}, with OpenAI's error
 * envelope and rate-limit headers. Prompt markers pick failure modes as in {@link FakeOpenRouter#markers}.
 */
public final class FakeOpenAI implements AutoCloseable {

    /** One image request as the server saw it. */
    public record Call(String path, JsonNode body, String prompt, int n, int attempt, String authorization) {
        public List<String> referenceUrls() {
            List<String> urls = new ArrayList<>();
            body.path("images").forEach(i -> urls.add(i.path("image_url").asString("")));
            return urls;
        }
    }

    /** Decides the reply to a call. */
    @FunctionalInterface
    public interface Behaviour extends java.util.function.Function<Call, Reply> {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> MODELS =
            Set.of("gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini", "dall-e-3");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-openai");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> billed = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final List<Call> received = new CopyOnWriteArrayList<>();
    private final List<String> metadataRequests = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;
    private volatile String requiredKey;
    private volatile int imageBytes = 2048;
    private final java.util.concurrent.atomic.DoubleAdder billedUsd = new java.util.concurrent.atomic.DoubleAdder();
    /** OpenAI's list prices, USD per million: text input, image input, image output (its pricing page). */
    private static final Map<String, double[]> PRICES = Map.of(
            "gpt-image-2",
            new double[] {5, 8, 30},
            "gpt-image-1.5",
            new double[] {5, 8, 32},
            "gpt-image-1",
            new double[] {5, 10, 40},
            "gpt-image-1-mini",
            new double[] {2, 2.5, 8});

    private final Conformance conformance = new Conformance(OpenApiContract::openAi, "/v1");

    public FakeOpenAI() {
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
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public FakeOpenAI behaviour(Behaviour b) {
        this.behaviour = b;
        return this;
    }

    /** Only this key is accepted (401 invalid_api_key for another); by default any key is. */
    public FakeOpenAI requireKey(String key) {
        this.requiredKey = key;
        return this;
    }

    public long calls() {
        return calls.get();
    }

    public List<Call> received() {
        return received;
    }

    public List<String> metadataRequests() {
        return metadataRequests;
    }

    /** What OpenAI charges for the calls so far: each token type of each response's usage at its list price. */
    public double billedUsd() {
        return billedUsd.sum();
    }

    private static double bill(String model, JsonNode usage) {
        double[] p = PRICES.getOrDefault(model, new double[] {0, 0, 0});
        return (usage.path("input_tokens_details").path("text_tokens").asLong(0) * p[0]
                        + usage.path("input_tokens_details")
                                        .path("image_tokens")
                                        .asLong(0)
                                * p[1]
                        + usage.path("output_tokens_details")
                                        .path("image_tokens")
                                        .asLong(0)
                                * p[2])
                / 1_000_000d;
    }

    /** How many images the server returned per prompt. */
    public Map<String, Integer> billedImages() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        billed.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void handle(HttpExchange exchange) throws IOException {
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
            if (exchange.getRequestMethod().equals("GET")) {
                metadataRequests.add("GET " + path);
                send(exchange, model(path));
                return;
            }
            if (!path.equals("/v1/images/generations") && !path.equals("/v1/images/edits")) {
                send(exchange, error(404, "Invalid URL (POST " + path + ")", "invalid_request_error", null, null));
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(requestBody);
            } catch (RuntimeException e) {
                // The real edits endpoint also takes multipart; this fake only speaks the JSON form.
                send(
                        exchange,
                        error(
                                400,
                                "We could not parse the JSON body of your request.",
                                "invalid_request_error",
                                null,
                                null));
                return;
            }
            calls.incrementAndGet();
            conformance.request(exchange, body);
            String prompt = body.path("prompt").asString("");
            int n = body.path("n").isNumber() ? body.path("n").asInt() : 1;
            int attempt =
                    attempts.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            Call call = new Call(path, body, prompt, n, attempt, authorization);
            received.add(call);
            Reply reply = behaviour.apply(call);
            if (reply.status() == 200) {
                JsonNode sent = JSON.readTree(reply.body());
                int images = sent.path("data").size();
                billed.computeIfAbsent(prompt, k -> new AtomicInteger()).addAndGet(images);
                billedUsd.add(bill(body.path("model").asString(""), sent.path("usage")));
            }
            send(exchange, reply);
        }
    }

    /** Checked against OpenAI's document, then sent as FakeOpenRouter sends (a trickled body included). */
    private void send(HttpExchange exchange, Reply reply) throws IOException {
        conformance.response(exchange, reply);
        FakeOpenRouter.write(exchange, reply);
    }

    private Reply model(String path) {
        String id = path.startsWith("/v1/models/") ? path.substring("/v1/models/".length()) : "";
        if (!MODELS.contains(id)) {
            return error(
                    404,
                    "The model `" + id + "` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    null,
                    "model_not_found");
        }
        return Reply.json(
                200,
                "{\"id\":\"" + id + "\",\"object\":\"model\",\"created\":1745000000," + "\"owned_by\":\"system\"}");
    }

    /** OpenAI's 200: {@code b64_json} images, the output settings and token usage (no cost). */
    public Reply success(Call call, boolean corrupt) {
        return success(call, corrupt ? -1 : Integer.MAX_VALUE);
    }

    /**
     * What OpenAI charges for the calls so far, in USD (each token type at its list price), for comparing with the
     * ledger to the cent.
     */
    public java.math.BigDecimal bill() {
        return java.math.BigDecimal.valueOf(billedUsd());
    }

    /** A 200 with {@code n} images of which those from {@code truncatedFrom} on are truncated (-1: all). */
    public Reply success(Call call, int truncatedFrom) {
        boolean corrupt = false;
        ObjectNode root = JSON.createObjectNode();
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("background", "opaque");
        root.put("output_format", "png");
        root.put("quality", "high");
        root.put("size", "1024x1024");
        var data = root.putArray("data");
        for (int i = 0; i < call.n(); i++) {
            byte[] png = TestPng.of(imageBytes, call.prompt() + "#" + call.attempt() + "#" + i);
            if (corrupt || truncatedFrom < 0 || i >= truncatedFrom) {
                png = java.util.Arrays.copyOf(png, png.length / 2);
            }
            data.addObject().put("b64_json", Base64.getEncoder().encodeToString(png));
        }
        ObjectNode usage = root.putObject("usage");
        int refs = call.referenceUrls().size();
        usage.put("input_tokens", 50 + 300 * refs);
        usage.put("output_tokens", 4160 * call.n());
        usage.put("total_tokens", 50 + 300 * refs + 4160 * call.n());
        usage.putObject("input_tokens_details").put("text_tokens", 50).put("image_tokens", 300 * refs);
        usage.putObject("output_tokens_details").put("text_tokens", 0).put("image_tokens", 4160 * call.n());
        return new Reply(
                200,
                Map.of(
                        "Content-Type",
                        "application/json",
                        "x-request-id",
                        "req_" + Long.toHexString(System.nanoTime())),
                JSON.writeValueAsBytes(root),
                0);
    }

    /** The same markers as {@link FakeOpenRouter#markers}, answered the way OpenAI answers. */
    public Reply markers(Call call) {
        String p = call.prompt();
        if (p.contains("[moderation]")) {
            return error(
                    400,
                    "Your request was rejected by the safety system. If you believe this is an error, "
                            + "contact us at help.openai.com and include the request ID req_123. safety_violations=[violence].",
                    "image_generation_user_error",
                    null,
                    "moderation_blocked");
        }
        if (p.contains("[content-filter]")) {
            // The output stage's refusal: the same envelope (OpenAI's document has no moderation details field).
            return error(
                    400,
                    "Your generated image was rejected by the safety system. " + "safety_violations=[sexual].",
                    "image_generation_user_error",
                    null,
                    "moderation_blocked");
        }
        if (p.contains("[bad-request]")) {
            return error(
                    400,
                    "Invalid value: '999x999'. Supported values are: '1024x1024', '1024x1536', "
                            + "'1536x1024', and 'auto'.",
                    "invalid_request_error",
                    "size",
                    "invalid_value");
        }
        if (p.contains("[no-image]")) {
            return Reply.json(
                    200,
                    "{\"created\":1,\"data\":[],\"usage\":{\"input_tokens\":50,"
                            + "\"output_tokens\":0,\"total_tokens\":50,\"input_tokens_details\":{\"text_tokens\":50,"
                            + "\"image_tokens\":0}}}");
        }
        if (p.contains("[one-corrupt]")) {
            return success(call, call.n() - 1); // the last of n images is truncated, the others are whole
        }
        if (p.contains("[corrupt]")) {
            return success(call, true);
        }
        if (p.contains("[down]")) {
            return error(
                    500,
                    "The server had an error while processing your request. Sorry about that!",
                    "server_error",
                    null,
                    null);
        }
        if ((p.contains("[flaky]") || p.contains("[error-200]")) && call.attempt() == 1) {
            return error(
                    503, "The engine is currently overloaded, please try again later.", "server_error", null, null);
        }
        if (p.contains("[rate-limit]") && call.attempt() == 1) {
            return error(
                            429,
                            "Rate limit reached for gpt-image-2 on images per minute (IPM): Limit 5, Used 5, "
                                    + "Requested 1. Please try again in 1s.",
                            "requests",
                            null,
                            "rate_limit_exceeded")
                    .withHeader("x-ratelimit-limit-requests", "5")
                    .withHeader("x-ratelimit-remaining-requests", "0")
                    .withHeader("x-ratelimit-reset-requests", "1s")
                    .withHeader("x-ratelimit-remaining-tokens", "100000")
                    .withHeader("x-ratelimit-reset-tokens", "6m0s");
        }
        return success(call, false);
    }

    public static Reply error(int status, String message, String type, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param == null) {
            e.putNull("param");
        } else {
            e.put("param", param);
        }
        if (code == null) {
            e.putNull("code");
        } else {
            e.put("code", code);
        }
        return new Reply(
                status,
                Map.of("Content-Type", "application/json"),
                JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8),
                0);
    }

    /** A wrong key. */
    public static Reply unauthorized(Call call) {
        return error(
                401,
                "Incorrect API key provided: sk-wrong. You can find your API key at "
                        + "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                null,
                "invalid_api_key");
    }

    /** An account out of quota: a 429 that must not be retried. */
    public static Reply noCredits(Call call) {
        return error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                null,
                "insufficient_quota");
    }

    /** What the requests received and the replies sent so far broke of OpenAI's OpenAPI document. */
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
