package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {

    @Test
    void halvesOnThrottlingOncePerBurstAndClimbsBackOnSuccess() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(8);
        assertThat(limit.current()).isEqualTo(8);

        limit.acquire();
        limit.release(true);
        assertThat(limit.current()).isEqualTo(4);

        // More 429s from the same burst (fewer than `ceiling` calls later) do not halve again.
        for (int i = 0; i < 3; i++) {
            limit.acquire();
            limit.release(true);
        }
        assertThat(limit.current()).isEqualTo(4);

        // Then successes raise it by one per `current` successes, up to the ceiling.
        for (int i = 0; i < 100; i++) {
            limit.acquire();
            limit.release(false);
        }
        assertThat(limit.current()).isEqualTo(8);
    }

    @Test
    void neverGoesBelowOne() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(2);
        for (int i = 0; i < 50; i++) {
            limit.acquire();
            limit.release(true);
        }
        assertThat(limit.current()).isEqualTo(1);
    }
}
