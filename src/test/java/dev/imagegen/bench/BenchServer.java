package dev.imagegen.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.imagegen.testing.TestPng;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's model server, run in its own JVM so that its CPU and memory are not counted as the job's: answers
 * chat completions in OpenRouter's format after a latency drawn uniformly from [min, max] ms, with PNGs of the given
 * size from a pre-built pool (so serving costs nothing), and optionally enforces a requests-per-minute limit over a
 * sliding 60-second window with 429 + Retry-After, as a real provider would. {@code GET /stats} reports counts.
 *
 * <p>Usage: {@code BenchServer <latencyMinMs> <latencyMaxMs> <imageKiB> <rpmLimit or 0>}; prints its base URL.
 */
public final class BenchServer {

    private static final int POOL = 16;

    private final long minMs;
    private final long maxMs;
    private final int rpmLimit;
    private final byte[][] bodies = new byte[POOL][];
    private final Deque<Long> window = new ArrayDeque<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong throttledAfterFirstMinute = new AtomicLong();
    private volatile long firstRequestNanos;
    private volatile long lastResponseNanos;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Sum of in-flight samples and sample count per second since the first request. */
    private final long[] inFlightSum = new long[7200];

    private final long[] inFlightSamples = new long[7200];

    BenchServer(long minMs, long maxMs, int imageKiB, int rpmLimit) {
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.rpmLimit = rpmLimit;
        for (int i = 0; i < POOL; i++) {
            byte[] png = TestPng.build(side(imageKiB), side(imageKiB), "bench " + i, new Random(i));
            String json = "{\"id\":\"gen-bench-" + i + "\",\"provider\":\"Bench\",\"model\":\"bench/model\","
                    + "\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"\",\"images\":[{\"type\":\"image_url\","
                    + "\"image_url\":{\"url\":\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png)
                    + "\"}}]}}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1290,"
                    + "\"total_tokens\":1300,\"cost\":0.04}}";
            bodies[i] = json.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static int side(int kib) {
        return Math.max(8, (int) Math.sqrt(kib * 1024 / 3.0));
    }

    public static void main(String[] args) throws IOException {
        BenchServer s = new BenchServer(
                Long.parseLong(args[0]), Long.parseLong(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/", s::handle);
        http.start();
        System.out.println("http://127.0.0.1:" + http.getAddress().getPort() + "/api/v1");
        Thread sampler = new Thread(() -> {
            while (true) {
                if (s.firstRequestNanos != 0) {
                    int second = (int) ((System.nanoTime() - s.firstRequestNanos) / 1_000_000_000L);
                    if (second < s.inFlightSum.length) {
                        s.inFlightSum[second] += s.inFlight.get();
                        s.inFlightSamples[second]++;
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        System.out.flush();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex;
                InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
            if (ex.getRequestURI().getPath().endsWith("/stats")) {
                send(
                        ex,
                        200,
                        ("{\"ok\":" + ok + ",\"throttled\":" + throttled + ",\"throttledAfterFirstMinute\":"
                                        + throttledAfterFirstMinute + ",\"activeSeconds\":"
                                        + String.format("%.1f", (lastResponseNanos - firstRequestNanos) / 1e9)
                                        + ",\"meanInFlightPerSecond\":"
                                        + inFlightProfile() + "}")
                                .getBytes(StandardCharsets.UTF_8),
                        null);
                return;
            }
            long now = System.nanoTime();
            if (firstRequestNanos == 0) {
                firstRequestNanos = now;
            }
            if (rpmLimit > 0) {
                Long retryAfterSeconds = admit(now);
                if (retryAfterSeconds != null) {
                    throttled.incrementAndGet();
                    if (now - firstRequestNanos > 60_000_000_000L) {
                        throttledAfterFirstMinute.incrementAndGet();
                    }
                    send(
                            ex,
                            429,
                            "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}"
                                    .getBytes(StandardCharsets.UTF_8),
                            String.valueOf(retryAfterSeconds));
                    return;
                }
            }
            long latency = minMs >= maxMs ? minMs : ThreadLocalRandom.current().nextLong(minMs, maxMs + 1);
            inFlight.incrementAndGet();
            try {
                if (latency > 0) {
                    Thread.sleep(latency);
                }
                ok.incrementAndGet();
                send(ex, 200, bodies[ThreadLocalRandom.current().nextInt(POOL)], null);
            } finally {
                inFlight.decrementAndGet();
                lastResponseNanos = System.nanoTime();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String inFlightProfile() {
        StringBuilder b = new StringBuilder("[");
        int last = (int) ((lastResponseNanos - firstRequestNanos) / 1_000_000_000L);
        for (int i = 0; i <= Math.min(last, inFlightSum.length - 1); i++) {
            b.append(i == 0 ? "" : ",").append(inFlightSamples[i] == 0 ? 0 : inFlightSum[i] / inFlightSamples[i]);
        }
        return b.append(']').toString();
    }

    /** Sliding 60 s window: null when admitted, else seconds until a slot frees. */
    private synchronized Long admit(long now) {
        long cutoff = now - 60_000_000_000L;
        while (!window.isEmpty() && window.peekFirst() <= cutoff) {
            window.pollFirst();
        }
        if (window.size() < rpmLimit) {
            window.addLast(now);
            return null;
        }
        return Math.max(1, (window.peekFirst() - cutoff + 999_999_999L) / 1_000_000_000L);
    }

    private static void send(HttpExchange ex, int status, byte[] body, String retryAfter) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (retryAfter != null) {
            ex.getResponseHeaders().add("Retry-After", retryAfter);
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
