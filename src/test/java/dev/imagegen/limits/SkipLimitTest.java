package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SkipLimitTest {

    private final StopSignal signal = new StopSignal();
    private final RunCounters counters = new RunCounters();
    private final SkipLimit limit = new SkipLimit(counters, signal);

    @Test
    void theRunFailsPastTheLimitNamingTheCommonestKinds() {
        counters.reset(Totals.ZERO);
        limit.reset(3);

        limit.record("moderation");
        limit.record("no_image");
        limit.record("moderation");
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE); // at the limit, not past it
        assertThat(counters.skips()).isEqualTo(3);

        limit.record("moderation");

        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.FAIL);
        assertThat(signal.reason())
                .isEqualTo("more than run.skip-limit (3) prompts were skipped; most were moderation (3), "
                        + "no_image (1). Look at the prompt_failure rows, fix the cause, then rerun-failed");
    }

    @Test
    void theOtherWorkersSkipsCount() {
        counters.reset(Totals.ZERO);
        limit.reset(3);
        counters.elsewhere(new Totals(0, 0, 3));

        limit.record("no_image");

        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.FAIL);
    }

    @Test
    void theRunsSkipsFromTheDatabaseCountToo() {
        counters.reset(Totals.ZERO);
        limit.reset(5);

        limit.checkRun(5);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.NONE);

        limit.checkRun(6);
        assertThat(signal.ending()).isEqualTo(StopSignal.Ending.FAIL);
        assertThat(signal.reason())
                .isEqualTo("more than run.skip-limit (5) prompts were skipped across the workers."
                        + " Look at the prompt_failure rows, fix the cause, then rerun-failed");
    }
}
