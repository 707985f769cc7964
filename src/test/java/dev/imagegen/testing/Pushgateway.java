package dev.imagegen.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus Pushgateway (Debian's {@code prometheus-pushgateway}, installed by {@code .ci/run}) on a free
 * port of this machine, started for a test and stopped after it; read back through its HTTP API. Tests that need
 * one are skipped, with a message, where the binary is not installed.
 */
public final class Pushgateway implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus-pushgateway");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Pushgateway(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts one, or skips the test when the binary is absent. */
    public static Pushgateway start(Path logDir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(
                Files.isExecutable(BINARY),
                "Prometheus Pushgateway not installed (" + BINARY
                        + "): apt-get install prometheus-pushgateway, as .ci/run does; skipping");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Process p = new ProcessBuilder(BINARY.toString(), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve("pushgateway.log").toFile())
                .start();
        Pushgateway gateway = new Pushgateway(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!gateway.ready()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                gateway.close();
                throw new IllegalStateException(
                        "the Pushgateway did not start: " + Files.readString(logDir.resolve("pushgateway.log")));
            }
            Thread.sleep(50); // polling an external process for readiness, with a deadline
        }
        return gateway;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    private boolean ready() {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The metric families of the group (job, dataset, run_id), as {@code GET /api/v1/metrics} lists them. */
    public Optional<Group> group(String job, String dataset, String runId) throws IOException, InterruptedException {
        String body = http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/api/v1/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (JsonNode group : JSON.readTree(body).path("data")) {
            JsonNode labels = group.path("labels");
            if (job.equals(labels.path("job").asString())
                    && dataset.equals(labels.path("dataset").asString())
                    && runId.equals(labels.path("run_id").asString())) {
                return Optional.of(new Group(group));
            }
        }
        return Optional.empty();
    }

    /** One pushed group: its metric families by name. */
    public record Group(JsonNode node) {

        /** The value of the family's series whose labels include {@code labels} (name, value, ...). */
        public double value(String family, String... labels) {
            return series(family, labels)
                    .map(s -> Double.parseDouble(s.path("value").asString()))
                    .orElseThrow(() ->
                            new AssertionError("no series " + family + " " + String.join(",", labels) + " in " + node));
        }

        public boolean has(String family, String... labels) {
            return series(family, labels).isPresent();
        }

        /** A histogram's count and buckets (upper bound → cumulative count). */
        public Map<String, Long> buckets(String family) {
            JsonNode s = series(family).orElseThrow(() -> new AssertionError("no histogram " + family));
            Map<String, Long> buckets = new HashMap<>();
            s.path("buckets")
                    .properties()
                    .forEach(e ->
                            buckets.put(e.getKey(), Long.parseLong(e.getValue().asString())));
            buckets.put("count", Long.parseLong(s.path("count").asString()));
            return buckets;
        }

        private Optional<JsonNode> series(String family, String... labels) {
            for (JsonNode s : node.path(family).path("metrics")) {
                boolean all = true;
                for (int i = 0; i < labels.length; i += 2) {
                    all &= labels[i + 1].equals(s.path("labels").path(labels[i]).asString());
                }
                if (all) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
