package dev.imagegen.run;

/** How a {@code run} command ended, with its exit code. */
public record RunOutcome(int exitCode, String message, RunSummary summary) {

    public static final int COMPLETED = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int STOPPED = 3;
    public static final int LOCKED = 4;
    /**
     * {@code run --no-wait} with a batch provider: the batches are submitted and still running at the provider; the
     * run is STOPPED and the next run, restart or scheduled slot collects them.
     */
    public static final int WAITING = 5;
    /** Set in the job execution's context when the run stopped to wait for a provider's batches. */
    public static final String WAITING_KEY = "provider.waiting";
}
