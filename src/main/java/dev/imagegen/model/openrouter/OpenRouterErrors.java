package dev.imagegen.model.openrouter;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import java.time.Duration;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Turns every error shape OpenRouter sends into one {@link FailureKind}: the {@code {"error":{code,message,metadata}}}
 * envelope with the same HTTP status, the same envelope inside a 200, and availability errors that carry
 * {@code error_type}, {@code http_status} and {@code availability} instead of a code.
 */
final class OpenRouterErrors {

    private static final int MAX_MESSAGE = 600;
    private static final Set<String> MODERATION_TYPES = Set.of("content_policy_violation", "refusal");
    private static final Set<String> TRANSIENT_TYPES =
            Set.of("provider_overloaded", "provider_unavailable", "server", "timeout", "unmapped");
    /** Errors about an input image: the row's reference, not the request as a whole. */
    private static final Set<String> IMAGE_TYPES = Set.of(
            "invalid_image",
            "image_too_large",
            "image_too_small",
            "unsupported_image_format",
            "image_not_found",
            "image_download_failed");

    private static final Set<String> BAD_REQUEST_TYPES = Set.of(
            "invalid_request",
            "invalid_prompt",
            "context_length_exceeded",
            "string_too_long",
            "precondition_failed",
            "payload_too_large",
            "unprocessable");
    /** Availability codes (errors-and-debugging.mdx) that no retry, no row and no other prompt can fix. */
    private static final Set<String> UNAVAILABLE_CODES = Set.of(
            "model_not_found",
            "wrong_endpoint",
            "no_endpoints",
            "model_deprecated",
            "model_unavailable_upstream",
            "privacy_restricted",
            "constraint_filtered",
            "free_variant_ended");

    private OpenRouterErrors() {}

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
        if (retryAfter == null
                && availability != null
                && availability.get("retry_after") != null
                && availability.get("retry_after").isNumber()) {
            retryAfter = dev.imagegen.model.BoundedBody.hintMillis(
                    availability.get("retry_after").asDouble() * 1000);
        }
        FailureKind kind = kindOf(status, e, availability);
        JsonNode meta = e == null ? null : e.get("metadata");
        ModelCallException failure = new ModelCallException(
                kind,
                httpStatus == 200 ? Integer.valueOf(status) : Integer.valueOf(httpStatus),
                message,
                retryAfter,
                cost);
        return failure.withModeration(
                ModelHttp.textOrNull(meta, "flagged_input"), ModelHttp.textOrNull(meta, "model_slug"));
    }

    /**
     * The taxonomy of the spec: the availability code first, then the canonical {@code error_type}, then — for a
     * 403 — whether the metadata names a moderation flag, and last the status.
     */
    private static FailureKind kindOf(int status, JsonNode e, JsonNode availability) {
        if (availability != null && availability.isObject()) {
            String code = ModelHttp.textOrNull(availability, "code");
            boolean retryable = availability.path("retryable").asBoolean(false);
            if ("region_restricted".equals(code)) {
                return FailureKind.FORBIDDEN;
            }
            if (retryable || "capacity_exhausted".equals(code) || "temporarily_unavailable".equals(code)) {
                return status == 429 || "capacity_exhausted".equals(code)
                        ? FailureKind.RATE_LIMITED
                        : FailureKind.TRANSIENT;
            }
            if (code == null || UNAVAILABLE_CODES.contains(code) || availability.has("retryable")) {
                return FailureKind.MODEL_UNAVAILABLE;
            }
        }
        String type = errorType(e);
        if (type != null) {
            if (MODERATION_TYPES.contains(type)) {
                return FailureKind.MODERATION;
            }
            if (TRANSIENT_TYPES.contains(type)) {
                return FailureKind.TRANSIENT;
            }
            if (IMAGE_TYPES.contains(type)) {
                return FailureKind.BAD_REFERENCE;
            }
            if (BAD_REQUEST_TYPES.contains(type)) {
                return FailureKind.BAD_REQUEST;
            }
            switch (type) {
                case "rate_limit_exceeded":
                    return FailureKind.RATE_LIMITED;
                case "authentication":
                    return FailureKind.AUTH;
                case "payment_required", "token_limit_exceeded":
                    return FailureKind.CREDITS;
                case "permission_denied":
                    return FailureKind.FORBIDDEN;
                case "max_tokens_exceeded":
                    return FailureKind.MAX_TOKENS;
                case "not_found":
                    return FailureKind.MODEL_UNAVAILABLE;
                default:
                    break;
            }
        }
        if (status == 403) {
            // A moderation flag names its reasons or the flagged input; any other 403 is the key's or a guardrail's.
            JsonNode meta = e == null ? null : e.get("metadata");
            boolean flagged = meta != null && (meta.has("reasons") || meta.has("flagged_input"));
            return flagged ? FailureKind.MODERATION : FailureKind.FORBIDDEN;
        }
        return byStatus(status);
    }

    /** {@code model.max-tokens} is too small for an image: a message that names the key and the fix. */
    static ModelCallException tokensTooFew(int maxTokens, String field, Integer status, Double billed) {
        return new ModelCallException(
                FailureKind.MAX_TOKENS,
                status,
                "the answer reached model.max-tokens ("
                        + maxTokens + ", sent as " + field
                        + ") before any image came; raise model.max-tokens (an image "
                        + "takes about 1,300 to 5,000 tokens, more at 4K), then restart",
                null,
                billed);
    }

    static FailureKind byStatus(int status) {
        return switch (status) {
            case 401 -> FailureKind.AUTH;
            case 402 -> FailureKind.CREDITS;
            case 403 -> FailureKind.FORBIDDEN;
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
        if (meta != null
                && meta.get("error_type") != null
                && meta.get("error_type").isString()) {
            return meta.get("error_type").asString();
        }
        return null;
    }

    private static String messageOf(JsonNode e, int httpStatus) {
        if (e == null || !e.isObject()) {
            return "HTTP " + httpStatus + " without an error body";
        }
        StringBuilder m = new StringBuilder(e.path("message").asString("no message"));
        String type = errorType(e);
        JsonNode availability = e.get("availability");
        if (availability != null && ModelHttp.textOrNull(availability, "code") != null) {
            m.append(" [availability: ")
                    .append(availability.get("code").asString())
                    .append(']');
        } else if (type != null) {
            m.append(" [").append(type).append(']');
        }
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
                m.append(" [provider: ")
                        .append(meta.get("provider_name").asString())
                        .append(']');
            }
            if (meta.get("raw") != null && !meta.get("raw").isNull()) {
                m.append(" raw: ").append(meta.get("raw").toString());
            }
        }
        return m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "…" : m.toString();
    }
}
