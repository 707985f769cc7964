package dev.imagegen.model.openai;

import static dev.imagegen.model.ModelHttp.textOrNull;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import java.time.Duration;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's error envelope {@code {"error":{"message","type","param","code"}}} into the same {@link FailureKind}s as
 * OpenRouter's: the {@code code} decides where it is known ({@code moderation_blocked} is a moderation skip,
 * {@code insufficient_quota} a credits stop even though it comes as a 429), else the status.
 */
public final class OpenAiErrors {

    private static final int MAX_MESSAGE = 600;
    private static final Set<String> MODERATION =
            Set.of("moderation_blocked", "content_policy_violation", "content_filter");
    private static final Set<String> CREDITS =
            Set.of("insufficient_quota", "billing_hard_limit_reached", "billing_not_active");
    private static final Set<String> AUTH = Set.of("invalid_api_key", "invalid_organization", "account_deactivated");

    private OpenAiErrors() {}

    /**
     * @param retryHint from the response headers; kept only for failures that are retried
     * @param key       masked wherever the provider's message quotes it back
     */
    public static ModelCallException classify(int status, JsonNode error, Duration retryHint, String key) {
        String code = textOrNull(error, "code");
        String type = textOrNull(error, "type");
        FailureKind kind = kindOf(status, code, type);
        String message = messageOf(error, status);
        if (key != null && !key.isEmpty()) {
            message = message.replace(key, "****");
        }
        return new ModelCallException(
                kind, status, message, kind.action() == FailureKind.Action.RETRY ? retryHint : null, null);
    }

    static FailureKind kindOf(int status, String code, String type) {
        if (code != null && MODERATION.contains(code)) {
            return FailureKind.MODERATION;
        }
        if (code != null && CREDITS.contains(code) || type != null && CREDITS.contains(type)) {
            return FailureKind.CREDITS;
        }
        if (code != null && AUTH.contains(code)) {
            return FailureKind.AUTH;
        }
        if ("model_not_found".equals(code)) {
            return FailureKind.MODEL_UNAVAILABLE;
        }
        return switch (status) {
            // 403 is the account's (unverified organisation, unsupported region), not the prompt's: stop.
            case 401, 403 -> FailureKind.AUTH;
            case 402 -> FailureKind.CREDITS;
            case 404 -> FailureKind.MODEL_UNAVAILABLE;
            case 408, 409 -> FailureKind.TRANSIENT;
            case 429 -> FailureKind.RATE_LIMITED;
            default -> status >= 500 ? FailureKind.TRANSIENT : FailureKind.BAD_REQUEST;
        };
    }

    private static String messageOf(JsonNode e, int status) {
        if (e == null || !e.isObject()) {
            return "HTTP " + status + " without an error body";
        }
        StringBuilder m = new StringBuilder(e.path("message").asString("no message"));
        String code = textOrNull(e, "code");
        String param = textOrNull(e, "param");
        if (code != null) {
            m.append(" [").append(code).append(']');
        }
        if (param != null) {
            m.append(" (param ").append(param).append(')');
        }
        JsonNode details = e.get("moderation_details");
        if (details != null && details.isObject()) {
            m.append(" moderation: ").append(details);
        }
        return m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "…" : m.toString();
    }
}
