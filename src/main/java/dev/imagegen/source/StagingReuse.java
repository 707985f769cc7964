package dev.imagegen.source;

import dev.imagegen.spec.JobSpec;
import java.util.Objects;
import java.util.Optional;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Decides, before the stage step reads anything, whether the run can work on the dataset's last complete staging
 * ({@link StagedSet}): then the step reads nothing ({@link SourceReader} sees {@link #REUSED} in its context), the
 * run is pointed at that staging's rows and given copies of its rejected rows, and the step reports that staging's
 * read count. Otherwise the record of the last complete staging is deleted before this one writes its first row,
 * and written again once this staging completes with the source unchanged from its first read to its last.
 */
final class StagingReuse implements StepExecutionListener {

    /** Step context: this step reads nothing. */
    static final String REUSED = "stage.reused";
    /** Step context: the fingerprint when this staging started (a restart continues it). */
    private static final String STARTED_WITH = "stage.fingerprint";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final JobSpec spec;
    private StagedSet.Reuse reuse;

    StagingReuse(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, JobSpec spec) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactionManager);
        this.spec = spec;
    }

    @Override
    public void beforeStep(StepExecution step) {
        long run = step.getJobExecution().getJobInstance().getId();
        reuse = StagedSet.reusable(jdbc, spec).orElse(null);
        if (reuse != null) {
            step.getExecutionContext().putString(REUSED, "true");
            if (reuse.instance() != run) { // (== run: this run's own staging completed before a crash)
                long execution = step.getJobExecution().getId();
                transaction.executeWithoutResult(status -> pointAt(run, execution));
            }
            return;
        }
        step.getExecutionContext().remove(REUSED);
        transaction.executeWithoutResult(status -> {
            jdbc.update("DELETE FROM prompt_staging WHERE dataset = ?", spec.dataset());
            // An earlier execution of this run chose to reuse and the source changed since: stage it for real.
            if (jdbc.update("DELETE FROM run_staging WHERE job_instance_id = ?", run) > 0) {
                jdbc.update("DELETE FROM source_reject WHERE job_instance_id = ?", run);
            }
        });
        if (!step.getExecutionContext().containsKey(STARTED_WITH)) {
            SourceFingerprint.of(spec).ifPresent(f -> step.getExecutionContext().putString(STARTED_WITH, f));
        }
    }

    /** The run works on the reused staging's rows, and records its rejected rows as its own. */
    private void pointAt(long run, long execution) {
        jdbc.update("""
                INSERT INTO run_staging (job_instance_id, dataset, staged_instance_id) VALUES (?, ?, ?)
                ON CONFLICT (job_instance_id) DO UPDATE SET staged_instance_id = EXCLUDED.staged_instance_id""", run, spec.dataset(), reuse.instance());
        jdbc.update("DELETE FROM source_reject WHERE job_instance_id = ?", run);
        jdbc.update("""
                INSERT INTO source_reject (dataset, source, line, prompt_id, reason, content, job_execution_id,
                                           job_instance_id)
                SELECT dataset, source, line, prompt_id, reason, content, ?, ?
                  FROM source_reject WHERE dataset = ? AND job_instance_id = ? ORDER BY id""", execution, run, spec.dataset(), reuse.instance());
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        if (reuse != null) {
            step.setReadCount(reuse.rowsRead());
            return null;
        }
        String startedWith = step.getExecutionContext().getString(STARTED_WITH, null);
        Optional<String> now = SourceFingerprint.of(spec);
        if (step.getStatus() == BatchStatus.COMPLETED
                && startedWith != null
                && now.isPresent()
                && Objects.equals(startedWith, now.get())) {
            long run = step.getJobExecution().getJobInstance().getId();
            Long earlier = jdbc.queryForObject("""
                    SELECT coalesce(sum(s.read_count), 0) FROM batch_step_execution s
                      JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
                     WHERE e.job_instance_id = ? AND s.step_name = ? AND s.step_execution_id <> ?""", Long.class, run, step.getStepName(), step.getId());
            jdbc.update("""
                    INSERT INTO prompt_staging (dataset, job_instance_id, fingerprint, rows_read) VALUES (?, ?, ?, ?)
                    ON CONFLICT (dataset) DO UPDATE SET job_instance_id = EXCLUDED.job_instance_id,
                        fingerprint = EXCLUDED.fingerprint, rows_read = EXCLUDED.rows_read, staged_at = now()""", spec.dataset(), run, now.get(), (earlier == null ? 0 : earlier) + step.getReadCount());
        }
        return null;
    }
}
