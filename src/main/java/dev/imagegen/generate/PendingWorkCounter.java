package dev.imagegen.generate;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.catalog.RerunSelection;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Counts the images the generate step is about to make (the run's pending query, {@link PendingPrompts}, over all
 * buckets at once) and hands the figure to {@link RunGuard}, where the progress display reads it. Runs once when the
 * step starts, so a restart counts only what is still left.
 */
final class PendingWorkCounter implements StepExecutionListener {

    private final NamedParameterJdbcTemplate jdbc;
    private final JobSpec spec;
    private final RunGuard guard;

    PendingWorkCounter(JdbcTemplate jdbc, JobSpec spec, RunGuard guard) {
        this.jdbc = new NamedParameterJdbcTemplate(jdbc);
        this.spec = spec;
        this.guard = guard;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        long total = PendingPrompts.of(
                        spec.dataset(),
                        stepExecution.getJobExecution().getJobInstance().getId(),
                        spec.model().imagesPerPrompt(),
                        stepExecution.getJobExecution().getJobParameters().getString(RerunSelection.PARAMETER))
                .images(jdbc);
        Integer maxImages = spec.run().maxImages();
        // max-images is the run's: what its earlier executions stored is no longer there to make.
        guard.expect(
                maxImages == null
                        ? total
                        : Math.max(0, Math.min(total, maxImages - guard.prior().images())));
    }
}
