package dev.imagegen.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a fake server checks of every exchange against its provider's {@link OpenApiContract}: the JSON body of each
 * request the client sent, and each JSON reply the fake sends (unless marked {@link Reply#offContract}). Violations
 * are collected; {@link #assertNone()} (called by the fake's {@code close()}) fails the test that caused them. A body
 * that is not JSON is not checked: it stands for a proxy's page or a broken connection, not for the provider.
 */
final class Conformance {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Supplier<OpenApiContract> contract;
    private final String root;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private volatile boolean enabled = true;

    /** @param root the path prefix of the API, e.g. {@code /api/v1} */
    Conformance(Supplier<OpenApiContract> contract, String root) {
        this.contract = contract;
        this.root = root;
    }

    void enabled(boolean on) {
        this.enabled = on;
    }

    void request(HttpExchange exchange, JsonNode body) {
        if (enabled) {
            violations.addAll(contract.get()
                    .requestViolations(exchange.getRequestMethod(), path(exchange), "application/json", body));
        }
    }

    void response(HttpExchange exchange, Reply reply) {
        if (!enabled || reply.offContract() != null || reply.body().length == 0) {
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(reply.body());
        } catch (JacksonException e) {
            return;
        }
        if (body == null || !body.isContainer()) {
            return;
        }
        violations.addAll(contract.get()
                .responseViolations(
                        exchange.getRequestMethod(), path(exchange), reply.status(), "application/json", body));
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    void assertNone() {
        if (!violations.isEmpty()) {
            List<String> shown = new ArrayList<>(violations.subList(0, Math.min(20, violations.size())));
            throw new AssertionError(violations.size() + " violation(s) of the provider's OpenAPI document (see "
                    + "src/test/resources/openapi/README.md):\n  " + String.join("\n  ", shown));
        }
    }

    private String path(HttpExchange exchange) {
        String p = exchange.getRequestURI().getPath();
        return p.startsWith(root) ? p.substring(root.length()) : p;
    }
}
