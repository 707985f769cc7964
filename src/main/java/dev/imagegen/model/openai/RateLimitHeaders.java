package dev.imagegen.model.openai;

import dev.imagegen.model.BoundedBody;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When OpenAI may be asked again: {@code retry-after-ms}, then {@code Retry-After}, then the
 * {@code x-ratelimit-reset-requests} / {@code x-ratelimit-reset-tokens} of the limit that is used up (durations
 * such as {@code 6m0s}, {@code 1.5s}, {@code 12ms}).
 */
final class RateLimitHeaders {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    private RateLimitHeaders() {}

    static Duration retryHint(HttpHeaders headers, Instant now) {
        String ms = headers.firstValue("retry-after-ms").orElse(null);
        if (ms != null) {
            try {
                return BoundedBody.hintMillis(Double.parseDouble(ms.strip()));
            } catch (NumberFormatException ignored) {
                // fall through to the other hints
            }
        }
        Duration retryAfter = BoundedBody.retryAfter(headers, now);
        if (retryAfter != null) {
            return retryAfter;
        }
        Duration requests = reset(headers, "requests");
        Duration tokens = reset(headers, "tokens");
        boolean requestsOut = exhausted(headers, "requests");
        boolean tokensOut = exhausted(headers, "tokens");
        if (requestsOut || tokensOut) {
            // Wait for every limit that is used up.
            return max(requestsOut ? requests : null, tokensOut ? tokens : null);
        }
        return min(requests, tokens);
    }

    private static boolean exhausted(HttpHeaders headers, String limit) {
        return headers.firstValue("x-ratelimit-remaining-" + limit)
                .map(String::strip)
                .map(v -> v.equals("0"))
                .orElse(false);
    }

    private static Duration reset(HttpHeaders headers, String limit) {
        return headers.firstValue("x-ratelimit-reset-" + limit)
                .map(RateLimitHeaders::parseDuration)
                .orElse(null);
    }

    /** A Go-style duration ({@code 1h2m3.5s}, {@code 250ms}); null when it is not one. */
    static Duration parseDuration(String text) {
        String t = text.strip();
        Matcher m = PART.matcher(t);
        double millis = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return null;
            }
            double n = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            end = m.end();
        }
        return end == 0 || end != t.length() ? null : BoundedBody.hintMillis(millis);
    }

    private static Duration max(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }
}
