package dev.imagegen.model.openrouter;

import java.time.Duration;
import java.util.Set;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import tools.jackson.databind.JsonNode;

/**
 * Turns every error shape OpenRouter sends into one {@link FailureKind}: the {@code {"error":{code,message,metadata}}}
 * envelope with the same HTTP status, the same envelope inside a 200, and availability errors that carry
 * {@code error_type}, {@code http_status} and {@code availability} instead of a code.
 */
final class OpenRouterErrors {

    private static final int MAX_MESSAGE = 600;
    private static final Set<String> MODERATION_TYPES = Set.of("content_policy_violation", "refusal",
            "permission_denied");
    private static final Set<String> TRANSIENT_TYPES = Set.of("provider_overloaded", "provider_unavailable", "server",
            "timeout", "unmapped");

    private OpenRouterErrors() {
    }

    /**
     * @param httpStatus   the response status (200 when the error came inside a successful response)
     * @param error        the {@code error} object, possibly null or not an object
     * @param headerRetry  the {@code Retry-After} header, if any
     */
    static ModelCallException classify(int httpStatus, JsonNode error, Duration headerRetry, Double cost) {
        JsonNode e = error == null ? null : error;
        int status = statusOf(httpStatus, e);
        String message = messageOf(e, httpStatus);
        JsonNode availability = e == null ? null : e.get("availability");
        Duration retryAfter = headerRetry;
        if (retryAfter == null && availability != null && availability.get("retry_after") != null
                && availability.get("retry_after").isNumber()) {
            retryAfter = Duration.ofMillis((long) (availability.get("retry_after").asDouble() * 1000));
        }
        FailureKind kind = kindOf(status, e, availability);
        return new ModelCallException(kind, httpStatus == 200 ? Integer.valueOf(status) : Integer.valueOf(httpStatus),
                message, retryAfter, cost);
    }

    private static FailureKind kindOf(int status, JsonNode e, JsonNode availability) {
        if (availability != null && availability.has("retryable")) {
            if (availability.get("retryable").asBoolean()) {
                return status == 429 ? FailureKind.RATE_LIMITED : FailureKind.TRANSIENT;
            }
            return FailureKind.MODEL_UNAVAILABLE;
        }
        String type = errorType(e);
        if (type != null) {
            if (MODERATION_TYPES.contains(type)) {
                return FailureKind.MODERATION;
            }
            if (TRANSIENT_TYPES.contains(type)) {
                return FailureKind.TRANSIENT;
            }
            switch (type) {
                case "rate_limit_exceeded": return FailureKind.RATE_LIMITED;
                case "authentication": return FailureKind.AUTH;
                case "payment_required": return FailureKind.CREDITS;
                case "not_found": return FailureKind.MODEL_UNAVAILABLE;
                default: break;
            }
        }
        return byStatus(status);
    }

    static FailureKind byStatus(int status) {
        return switch (status) {
            case 401 -> FailureKind.AUTH;
            case 402 -> FailureKind.CREDITS;
            case 403 -> FailureKind.MODERATION;
            case 404 -> FailureKind.MODEL_UNAVAILABLE;
            case 408, 409, 425 -> FailureKind.TRANSIENT;
            case 429 -> FailureKind.RATE_LIMITED;
            default -> status >= 500 ? FailureKind.TRANSIENT : FailureKind.BAD_REQUEST;
        };
    }

    private static int statusOf(int httpStatus, JsonNode e) {
        if (e != null) {
            JsonNode code = e.get("code");
            if (code != null && code.isNumber()) {
                return code.asInt();
            }
            if (code != null && code.isString() && code.asString().matches("\\d{3}")) {
                return Integer.parseInt(code.asString());
            }
            JsonNode http = e.get("http_status");
            if (http != null && http.isNumber()) {
                return http.asInt();
            }
        }
        // An error object inside a 200 without a usable code: assume the provider failed (retry).
        return httpStatus == 200 ? 502 : httpStatus;
    }

    private static String errorType(JsonNode e) {
        if (e == null) {
            return null;
        }
        if (e.get("error_type") != null && e.get("error_type").isString()) {
            return e.get("error_type").asString();
        }
        JsonNode meta = e.get("metadata");
        if (meta != null && meta.get("error_type") != null && meta.get("error_type").isString()) {
            return meta.get("error_type").asString();
        }
        return null;
    }

    private static String messageOf(JsonNode e, int httpStatus) {
        if (e == null || !e.isObject()) {
            return "HTTP " + httpStatus + " without an error body";
        }
        StringBuilder m = new StringBuilder(e.path("message").asString("no message"));
        JsonNode meta = e.get("metadata");
        if (meta != null && meta.isObject()) {
            JsonNode reasons = meta.get("reasons");
            if (reasons != null && reasons.isArray() && !reasons.isEmpty()) {
                m.append(" (reasons: ");
                for (int i = 0; i < reasons.size(); i++) {
                    m.append(i > 0 ? ", " : "").append(reasons.get(i).asString());
                }
                m.append(')');
            }
            if (meta.get("provider_name") != null && meta.get("provider_name").isString()) {
                m.append(" [provider: ").append(meta.get("provider_name").asString()).append(']');
            }
            if (meta.get("raw") != null && !meta.get("raw").isNull()) {
                m.append(" raw: ").append(meta.get("raw").toString());
            }
        }
        return m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "…" : m.toString();
    }
}
