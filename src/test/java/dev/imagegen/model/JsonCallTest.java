package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The shared path: the headers go out, an error's envelope goes to the mapping, a 200 to the parser. */
class JsonCallTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final List<String> seen = new ArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI answering(int status, String contentType, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.getResponseHeaders().add("Retry-After", "7");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/x");
    }

    private JsonCall call() {
        return new JsonCall(
                ModelHttp.newClient(), json, Map.of("Authorization", "Bearer k"), Duration.ofSeconds(10), 1 << 20);
    }

    /** Names the status, the envelope's message (or its absence) and the retry hint it was handed. */
    private static final JsonCall.ErrorMapping NAMING = (status, error, headers) -> new ModelCallException(
            FailureKind.BAD_REQUEST,
            status,
            (error == null ? "no envelope" : error.path("message").asString()) + ", retry-after "
                    + (headers == null
                            ? null
                            : headers.firstValue("retry-after").orElse(null)));

    @Test
    void aTwoHundredGoesToTheParserWithTheHeadersSent() throws Exception {
        URI uri = answering(200, "application/json", "{\"ok\":true}");
        JsonNode answer = call().post(uri, json.createObjectNode().put("a", 1), NAMING, ok -> call().root(ok));
        assertThat(answer.path("ok").asBoolean()).isTrue();
        assertThat(seen).containsExactly("POST Bearer k");
    }

    @Test
    void anErrorStatusHandsTheEnvelopesErrorAndTheHeadersToTheMapping() throws Exception {
        URI uri = answering(429, "application/json", "{\"error\":{\"message\":\"slow down\"}}");
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class,
                () -> call().post(uri, json.createObjectNode(), NAMING, ok -> {
                    throw new AssertionError("a 429 is not parsed as a success");
                }));
        assertThat(e.httpStatus()).isEqualTo(429);
        assertThat(e.getMessage()).isEqualTo("slow down, retry-after 7");
    }

    @Test
    void anErrorPageThatIsNotJsonIsClassifiedByItsStatusAlone() throws Exception {
        URI uri = answering(502, "text/html", "<html>Bad gateway</html>");
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> call().post(uri, json.createObjectNode(), NAMING, ok -> null));
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.getMessage()).startsWith("no envelope");
    }

    @Test
    void aTwoHundredThatIsNotJsonIsTransient() throws Exception {
        URI uri = answering(200, "text/html", "<html>proxy</html>");
        JsonCall call = call();
        ModelCallException e = catchThrowableOfType(
                ModelCallException.class, () -> call.post(uri, json.createObjectNode(), NAMING, call::root));
        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void aStreamedTwoHundredIsTheBodyAndAStreamedErrorGoesToTheMapping() throws Exception {
        URI ok = answering(200, "application/jsonl", "line 1\nline 2\n");
        try (InputStream in = call().stream(ok, NAMING)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        }
        assertThat(seen).containsExactly("GET Bearer k");
        server.stop(0);
        URI missing = answering(404, "application/json", "{\"error\":{\"message\":\"no such file\"}}");
        ModelCallException e = catchThrowableOfType(ModelCallException.class, () -> call().stream(missing, NAMING));
        assertThat(e.getMessage()).isEqualTo("no such file, retry-after 7");
    }
}
