package dev.imagegen.model.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private static HttpHeaders headers(Map<String, String> values) {
        Map<String, List<String>> m = new java.util.HashMap<>();
        values.forEach((k, v) -> m.put(k, List.of(v)));
        return HttpHeaders.of(m, (a, b) -> true);
    }

    @Test
    void readsGoStyleDurations() {
        assertThat(RateLimitHeaders.parseDuration("12ms")).isEqualTo(Duration.ofMillis(12));
        assertThat(RateLimitHeaders.parseDuration("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(RateLimitHeaders.parseDuration("6m0s")).isEqualTo(Duration.ofMinutes(6));
        assertThat(RateLimitHeaders.parseDuration("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
        assertThat(RateLimitHeaders.parseDuration("soon")).isNull();
        assertThat(RateLimitHeaders.parseDuration("5 s")).isNull();
    }

    @Test
    void prefersRetryAfterMsThenRetryAfterThenTheExhaustedLimitsReset() {
        Instant now = Instant.now();
        assertThat(RateLimitHeaders.retryHint(headers(Map.of("retry-after-ms", "250", "retry-after", "9")), now))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(RateLimitHeaders.retryHint(
                        headers(Map.of("retry-after", "9", "x-ratelimit-reset-requests", "1s")), now))
                .isEqualTo(Duration.ofSeconds(9));
        assertThat(RateLimitHeaders.retryHint(
                        headers(Map.of(
                                "x-ratelimit-remaining-requests",
                                "3",
                                "x-ratelimit-reset-requests",
                                "1s",
                                "x-ratelimit-remaining-tokens",
                                "0",
                                "x-ratelimit-reset-tokens",
                                "20s")),
                        now))
                .isEqualTo(Duration.ofSeconds(20));
        // Neither limit says it is used up: the sooner reset.
        assertThat(RateLimitHeaders.retryHint(
                        headers(Map.of("x-ratelimit-reset-requests", "2s", "x-ratelimit-reset-tokens", "20s")), now))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(RateLimitHeaders.retryHint(headers(Map.of()), now)).isNull();
    }
}
