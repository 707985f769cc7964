package dev.imagegen.generate;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import java.util.HashMap;
import java.util.Map;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Counts the images the generate step is about to make (the partitions' pending query, over all buckets at once) and
 * hands the figure to {@link RunGuard}, where the progress display reads it. Runs once when the step starts, so a
 * restart counts only what is still left.
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
        // mod(bucket, 1) = 0 holds for every prompt: the partitions' own query, unpartitioned.
        Map<String, Object> params = new HashMap<>(Map.of(
                "dataset",
                spec.dataset(),
                "instance",
                stepExecution.getJobExecution().getJobInstance().getId(),
                "count",
                1,
                "index",
                0,
                "variants",
                spec.model().imagesPerPrompt()));
        String rerunKinds = stepExecution.getJobExecution().getJobParameters().getString(RerunSelection.PARAMETER);
        String pendingFrom = GenerateStepConfiguration.PENDING_PROMPTS.replace(
                "/*only-failed*/", GenerateStepConfiguration.onlyFailed(rerunKinds, params));
        Long pending = jdbc.queryForObject(
                "SELECT coalesce(sum(:variants - cardinality(done)), 0) FROM " + pendingFrom
                        + " WHERE cardinality(done) < :variants",
                params,
                Long.class);
        long total = pending == null ? 0 : pending;
        Integer maxImages = spec.run().maxImages();
        // max-images is the run's: what its earlier executions stored is no longer there to make.
        guard.expect(
                maxImages == null
                        ? total
                        : Math.max(0, Math.min(total, maxImages - guard.prior().images())));
    }
}
