package dev.imagegen.limits;

/**
 * {@code run.skip-limit}: one limit for the whole run, not per partition. Past it the run fails (exit 1), naming
 * the commonest kinds of failure, so that someone looks at the {@code prompt_failure} rows before more is spent.
 */
public final class SkipLimit {

    private final RunCounters counters;
    private final StopSignal signal;
    private long limit = Long.MAX_VALUE;

    SkipLimit(RunCounters counters, StopSignal signal) {
        this.counters = counters;
        this.signal = signal;
    }

    void reset(int skipLimit) {
        this.limit = skipLimit;
    }

    /** Counts a skipped call; past the limit (remote: every worker's skips counted) the run fails. */
    public void record(String kind) {
        long n = counters.addSkip(kind);
        if (n > limit) {
            signal.fail("more than run.skip-limit (" + limit + ") prompts were skipped; most were "
                    + counters.topKinds() + ". Look at the prompt_failure rows, fix the cause, then rerun-failed");
        }
    }

    /** Remote mode: the run's skips as the database has them (every worker's committed rows). */
    void checkRun(long runSkips) {
        if (runSkips > limit) {
            signal.fail("more than run.skip-limit (" + limit + ") prompts were skipped across the workers"
                    + (counters.anySkips() ? "; here most were " + counters.topKinds() : "")
                    + ". Look at the prompt_failure rows, fix the cause, then rerun-failed");
        }
    }
}
