package dev.imagegen.limits;

import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;

/**
 * The run-wide limits every partition consults before it spends money, put together: the {@link RunCounters}, the
 * {@link Budget} (max-cost and max-images), the {@link SkipLimit}, the {@link CircuitBreaker}, a remote worker's
 * {@link WorkerShare} of the run, and the {@link StopSignal} they end in — a stop (restartable, exit 3) or a failure
 * (exit 1). One per job execution, reset when a run starts; callers use the methods here, readers the
 * {@link #counters()}.
 *
 * <p>The budget and max-images belong to the run, not to one execution: the spend and images of the run's earlier
 * executions (from the ledger, {@code model_call}) are counted from the start ({@link #reset(RunSpec, Totals)}), so a
 * restart goes on with what is left. Every attempt's cost is counted the moment it ends ({@link #recordAttempt}),
 * including the estimate of a call whose answer never came.
 *
 * <p>It is also the retry loop's {@link RunStop}: a stop wakes every waiting retry at once.
 */
public final class RunGuard implements RunStop {

    private final StopSignal signal = new StopSignal();
    private final RunCounters counters = new RunCounters();
    private final Budget budget = new Budget(counters, signal);
    private final SkipLimit skipLimit = new SkipLimit(counters, signal);
    private final CircuitBreaker breaker = new CircuitBreaker(signal);
    private final WorkerShare share = new WorkerShare(counters);

    public void reset(RunSpec spec) {
        reset(spec, Totals.ZERO);
    }

    /** @param prior what the run's earlier executions spent and stored: the run's limits count it */
    public synchronized void reset(RunSpec spec, Totals prior) {
        signal.reset();
        counters.reset(prior);
        budget.reset(spec.maxCostUsd(), spec.maxImages());
        skipLimit.reset(spec.skipLimit());
        breaker.reset(spec.circuitBreaker().window(), spec.circuitBreaker().failureRate());
        share.reset();
    }

    /** What the run has done so far (progress, metrics). */
    public RunCounters counters() {
        return counters;
    }

    /** See {@link Budget#mayCall}: how many images a call may ask for, reserved until {@link #callFinished}. */
    public int mayCall(int images) {
        return budget.mayCall(images);
    }

    /** See {@link Budget#mayKeepMore}. */
    public int mayKeepMore(int extra) {
        return budget.mayKeepMore(extra);
    }

    /** Releases what {@link #mayCall} reserved, once the call's images are counted (or the call failed). */
    public void callFinished(int images) {
        budget.callFinished(images);
    }

    /** See {@link Budget#withinLimits}. */
    public boolean withinLimits() {
        return budget.withinLimits();
    }

    /** The retry loop asks before every retry: the run is ending, or its budget is spent. */
    @Override
    public boolean stopping() {
        return signal.ending() != StopSignal.Ending.NONE || !budget.withinBudget();
    }

    /** Waits {@code d}, ending at once when the run stops ({@link #stop} wakes it). */
    @Override
    public boolean awaitStop(Duration d) throws InterruptedException {
        return signal.awaitStop(d);
    }

    /** {@code r} runs whenever the run stops or fails (e.g. to open the provider pause at once). */
    public void onStop(Runnable r) {
        signal.onStop(r);
    }

    /** Counts an attempt's cost the moment it ends: the budget sees it before the next call anywhere. */
    public void recordAttempt(CallAttempt attempt) {
        counters.addCost(attempt.costUsd());
    }

    public void recordImage(double costUsd) {
        counters.addImage(costUsd);
    }

    /** See {@link Budget#reservedImageStored}: an image of a call that reserved it, counted and released at once. */
    public void reservedImageStored() {
        budget.reservedImageStored();
    }

    public void recordRetry() {
        counters.addRetry();
    }

    /** Counts a skipped call; past {@code run.skip-limit} the run fails, naming the commonest kinds. */
    public void recordSkip(String kind) {
        skipLimit.record(kind);
    }

    /** Feeds the {@link CircuitBreaker} with one call's outcome. */
    public void recordCallOutcome(boolean providerTrouble) {
        breaker.record(providerTrouble);
    }

    /** See {@link WorkerShare#recordCommitted}. */
    public void recordCommitted(double costUsd, long imageRows, long failureRows) {
        share.recordCommitted(costUsd, imageRows, failureRows);
    }

    /** What this process has committed so far; read it just before reading the run's totals from the database. */
    public Totals committed() {
        return share.committed();
    }

    /**
     * Remote mode: the run's totals as the database has them, with what this process had committed when they were
     * read (see {@link WorkerShare}); the skip limit then counts every worker's skips.
     */
    public void shareRunTotals(Totals run, Totals committedBefore) {
        share.share(run, committedBefore);
        skipLimit.checkRun(run.skips());
    }

    /** The work the generate step found pending when it started (see {@link RunCounters#expect}). */
    public void expect(long images) {
        counters.expect(images);
    }

    public long expected() {
        return counters.expected();
    }

    /** What the run's earlier executions spent and stored. */
    public Totals prior() {
        return counters.prior();
    }

    public void stop(String why) {
        signal.stop(why);
    }

    /** Stops the run for a cause the scheduler and {@code status} must know (budget, key, credits, ...). */
    public void stopFor(StopSignal.Cause why, String message) {
        signal.stopFor(why, message);
    }

    public void fail(String why) {
        signal.fail(why);
    }

    public StopSignal.Ending ending() {
        return signal.ending();
    }

    /** What stopped the run, when it stopped (null otherwise). */
    public StopSignal.Cause cause() {
        return signal.cause();
    }

    public String reason() {
        return signal.reason();
    }
}
