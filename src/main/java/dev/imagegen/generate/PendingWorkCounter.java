package dev.imagegen.generate;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Counts the images the generate step is about to make (the run's pending query, {@link PendingPrompts}, by bucket:
 * the pass {@link PendingShares} keeps for the split that follows) and hands the figure to {@link RunGuard}, where the progress display reads it. Runs once when the
 * step starts, so a restart counts only what is still left.
 */
final class PendingWorkCounter implements StepExecutionListener {

    private final PendingShares shares;
    private final JobSpec spec;
    private final RunGuard guard;

    PendingWorkCounter(PendingShares shares, JobSpec spec, RunGuard guard) {
        this.shares = shares;
        this.spec = spec;
        this.guard = guard;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        long total = PendingShares.total(shares.byBucket(stepExecution));
        Integer maxImages = spec.run().maxImages();
        // max-images is the run's: what its earlier executions stored is no longer there to make.
        guard.expect(
                maxImages == null
                        ? total
                        : Math.max(0, Math.min(total, maxImages - guard.prior().images())));
    }
}
