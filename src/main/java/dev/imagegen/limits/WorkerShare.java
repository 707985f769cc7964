package dev.imagegen.limits;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A remote run's worker: what this process has committed to the database, to tell the rest of the run apart in the
 * run's totals read from there ({@code remote.RunTotals}). The difference — the other workers' cost, images and
 * skips — goes into the {@link RunCounters}, so the budget, max-images and the skip limit are the run's.
 */
public final class WorkerShare {

    private final RunCounters counters;
    private final DoubleAdder committedCost = new DoubleAdder();
    private final LongAdder committedImages = new LongAdder();
    private final LongAdder committedSkips = new LongAdder();

    WorkerShare(RunCounters counters) {
        this.counters = counters;
    }

    void reset() {
        committedCost.reset();
        committedImages.reset();
        committedSkips.reset();
    }

    /** Called by the writer once a chunk's rows are committed: their cost (not adopted), images and failures. */
    public void recordCommitted(double costUsd, long imageRows, long failureRows) {
        committedCost.add(costUsd);
        committedImages.add(imageRows);
        committedSkips.add(failureRows);
    }

    /** What this process has committed so far; read it just before reading the run's totals from the database. */
    public Totals committed() {
        return new Totals(committedCost.sum(), committedImages.sum(), committedSkips.sum());
    }

    /**
     * The run's totals as the database has them (every worker's committed rows), with what this process had
     * committed when they were read: the difference is the rest of the run, which the counters add to this
     * process's own (which include its calls not written yet).
     */
    void share(Totals run, Totals committedBefore) {
        // The run's cost and images span its executions; the earlier ones are already in the counters' prior.
        Totals p = counters.prior();
        counters.elsewhere(new Totals(
                Math.max(0, run.costUsd() - committedBefore.costUsd() - p.costUsd()),
                Math.max(0, run.images() - committedBefore.images() - p.images()),
                Math.max(0, run.skips() - committedBefore.skips())));
    }
}
