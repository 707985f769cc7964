package dev.imagegen.reconcile;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.JsonCall;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.openrouter.OpenRouterHeaders;
import dev.imagegen.spec.ModelSpec;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenRouter's {@code GET /generation?id=}: what the provider billed for one generation. A GET that costs nothing;
 * its answer is one of {@link Answer}'s kinds, never an exception, so the caller decides what a 404 or a 429 means.
 */
final class GenerationLookup {

    /** A generation record is a few KB. */
    private static final long MAX_BYTES = 1L << 20;

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The longest Retry-After a 429 may impose on one wait. */
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);

    private final JsonMapper json;
    private final ModelSpec model;
    private final JsonCall call;

    GenerationLookup(HttpClient http, JsonMapper json, ModelSpec model) {
        this.json = json;
        this.model = model;
        this.call = new JsonCall(
                http,
                json,
                OpenRouterHeaders.of(model),
                model.timeout().compareTo(TIMEOUT) < 0 ? model.timeout() : TIMEOUT,
                MAX_BYTES);
    }

    /** What one lookup gave. */
    sealed interface Answer {}

    /**
     * The billed cost: {@code total_cost}, plus {@code upstream_inference_cost} for a BYOK call (OpenRouter's fee and
     * the provider's charge; the user pays both).
     */
    record Billed(BigDecimal costUsd) implements Answer {}

    /** 404: the record is not written yet (it takes a moment after the call), or OpenRouter has none. */
    record NotYet() implements Answer {}

    /** 429: wait this long (the Retry-After, capped), then ask again. */
    record Throttled(Duration retryAfter) implements Answer {}

    /** 401, 402, 403: the key cannot read generations; nothing more can be done until it is fixed. */
    record Refused(int status, String message) implements Answer {}

    /** Anything else: a 5xx, a body we cannot read, no answer at all. Worth another try later. */
    record Failed(String message) implements Answer {}

    Answer lookup(String generationId) throws InterruptedException {
        URI uri = URI.create(
                model.baseUrl() + "/generation?id=" + URLEncoder.encode(generationId, StandardCharsets.UTF_8));
        ModelHttp.Response r;
        try {
            r = call.get(uri);
        } catch (ModelCallException e) {
            return e.kind() == FailureKind.CONFIGURATION
                    ? new Refused(e.httpStatus() == null ? 0 : e.httpStatus(), e.getMessage())
                    : new Failed(e.getMessage());
        }
        JsonNode body;
        try {
            body = ModelHttp.parse(json, r.body(), r.status());
        } catch (ModelCallException e) {
            return new Failed(e.getMessage());
        }
        return switch (r.status()) {
            case 200 -> billed(body);
            case 404 -> new NotYet();
            case 429 ->
                new Throttled(retryAfter(r.headers().firstValue("retry-after").orElse(null)));
            case 401, 402, 403 -> new Refused(r.status(), message(body));
            default -> new Failed("GET /generation answered HTTP " + r.status() + ": " + message(body));
        };
    }

    private static Answer billed(JsonNode body) {
        JsonNode data = body == null ? null : body.get("data");
        JsonNode total = data == null ? null : data.get("total_cost");
        if (total == null || !total.isNumber()) {
            return new Failed("GET /generation answered without data.total_cost");
        }
        BigDecimal cost = total.decimalValue();
        JsonNode upstream = data.get("upstream_inference_cost");
        if (data.path("is_byok").asBoolean(false) && upstream != null && upstream.isNumber()) {
            cost = cost.add(upstream.decimalValue());
        }
        return new Billed(cost);
    }

    private static String message(JsonNode body) {
        JsonNode m = body == null ? null : body.path("error").get("message");
        return m != null && m.isString() ? ModelHttp.clip(m.asString()) : "no message";
    }

    /** Seconds or an HTTP date, parsed without overflow; at least 1 s, at most {@link #MAX_RETRY_AFTER}. */
    static Duration retryAfter(String header) {
        Duration d = Duration.ofSeconds(1);
        if (header != null) {
            String h = header.strip();
            try {
                double seconds = Double.parseDouble(h);
                if (!Double.isNaN(seconds)) {
                    d = seconds >= MAX_RETRY_AFTER.toSeconds()
                            ? MAX_RETRY_AFTER
                            : Duration.ofMillis((long) Math.max(0, seconds * 1000));
                }
            } catch (NumberFormatException e) {
                try {
                    Duration until = Duration.between(
                            ZonedDateTime.now(), ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME));
                    d = until.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : until;
                } catch (DateTimeParseException ignored) {
                    // not a date either: the default
                }
            }
        }
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }
}
