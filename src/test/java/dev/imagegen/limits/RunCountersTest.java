package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RunCountersTest {

    private final RunCounters counters = new RunCounters();

    @Test
    void theRunsFiguresAddTheOtherWorkersAndSpendAndMaxImagesTheEarlierExecutions() {
        counters.reset(new Totals(1.0, 7, 3));
        counters.addImage(0.04);
        counters.addImage(0.04);
        counters.addCost(0.02); // an attempt without an image
        counters.addSkip("moderation");
        counters.elsewhere(new Totals(0.5, 10, 2));

        assertThat(counters.images()).isEqualTo(12); // this execution's 2 + the other workers' 10
        assertThat(counters.runImages()).isEqualTo(19); // + the earlier executions' 7
        assertThat(counters.skips()).isEqualTo(3); // 1 + 2 elsewhere; earlier executions' skips are theirs
        assertThat(counters.cost()).isCloseTo(1.0 + 0.5 + 0.10, within(1e-9));
        assertThat(counters.prior()).isEqualTo(new Totals(1.0, 7, 3));
    }

    @Test
    void skipsAreCountedByKindAndTheRunsCountIsAnswered() {
        counters.reset(Totals.ZERO);
        counters.elsewhere(new Totals(0, 0, 5));

        counters.addSkip("no_image");
        counters.addSkip("moderation");
        counters.addSkip("moderation");
        counters.addSkip("bad_request");
        assertThat(counters.addSkip("moderation")).isEqualTo(10); // 5 here + 5 elsewhere

        assertThat(counters.skipsByKind())
                .containsExactly(Map.entry("bad_request", 1), Map.entry("moderation", 3), Map.entry("no_image", 1));
        assertThat(counters.topKinds()).startsWith("moderation (3), ");
        counters.addRetry();
        counters.addRetry();
        assertThat(counters.retries()).isEqualTo(2);
    }

    @Test
    void theWorkIsUnknownUntilAnnouncedAndAResetForgetsEverything() {
        assertThat(counters.expected()).isEqualTo(-1);
        long before = System.nanoTime();
        counters.expect(200);
        assertThat(counters.expected()).isEqualTo(200);
        assertThat(counters.expectedSince()).isGreaterThanOrEqualTo(before);

        counters.addImage(1);
        counters.addSkip("moderation");
        counters.addRetry();
        counters.elsewhere(new Totals(1, 1, 1));
        counters.reset(null);

        assertThat(counters.expected()).isEqualTo(-1);
        assertThat(counters.images()).isZero();
        assertThat(counters.skips()).isZero();
        assertThat(counters.retries()).isZero();
        assertThat(counters.cost()).isZero();
        assertThat(counters.skipsByKind()).isEmpty();
        assertThat(counters.prior()).isEqualTo(Totals.ZERO);
    }
}
