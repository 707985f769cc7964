package dev.imagegen.run;

import dev.imagegen.ExitCode;
import dev.imagegen.catalog.Runs;
import dev.imagegen.remote.LiveWorkers;
import dev.imagegen.spec.JobSpec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a restart must deal with before it starts: an execution that a dead process (or one that lost its database
 * mid-update) left unfinished — recovered, safe only under the dataset's lock, which proves that no live process runs
 * it, and because the generate step is idempotent — and a run superseded by a newer one.
 */
final class RunRecovery {

    private static final Logger log = LoggerFactory.getLogger(RunRecovery.class);

    private final JdbcTemplate jdbc;
    private final JobSpec spec;
    private final Runs runs;

    RunRecovery(JdbcTemplate jdbc, JobSpec spec, Runs runs) {
        this.jdbc = jdbc;
        this.spec = spec;
        this.runs = runs;
    }

    /** Whether {@code last} is still marked running (or UNKNOWN, or with such a step) though nobody runs it. */
    static boolean isLeftUnfinished(JobExecution last) {
        return last.getStatus().isRunning() || last.getStatus() == BatchStatus.UNKNOWN || hasUnfinishedStep(last);
    }

    /** Marks {@code last} failed, after the remote workers still on its partitions have finished. */
    void recover(String runId, JobExecution last) {
        // We hold the dataset lock, so no live process is running it: it died, or lost the database
        // mid-update (UNKNOWN). Either way the generate step is idempotent, so mark it failed.
        log.warn(
                "run {} (execution {}) was left {} by a process that died or lost its database; recovering it",
                runId,
                last.getId(),
                last.getStatus());
        // Remote workers may still be on its partitions (their manager died): let them finish first.
        LiveWorkers.stopAndAwait(jdbc, last.getId());
        markFailed(last.getId());
    }

    private static boolean hasUnfinishedStep(JobExecution execution) {
        return execution.getStepExecutions().stream()
                .anyMatch(s -> s.getStatus().isRunning() || s.getStatus() == BatchStatus.UNKNOWN);
    }

    /**
     * What {@code JobOperator.recover} does, extended to UNKNOWN, which Spring Batch refuses to restart from:
     * safe here only because the caller holds the dataset lock (nobody else runs it) and generation is idempotent.
     */
    private void markFailed(long executionId) {
        String unfinished = "('STARTING', 'STARTED', 'STOPPING', 'UNKNOWN')";
        jdbc.update(
                "UPDATE batch_step_execution SET status = 'FAILED', exit_code = 'FAILED', "
                        + "end_time = coalesce(end_time, now()), version = version + 1 "
                        + "WHERE job_execution_id = ? AND status IN " + unfinished,
                executionId);
        jdbc.update(
                "UPDATE batch_job_execution SET status = 'FAILED', exit_code = 'FAILED', "
                        + "end_time = coalesce(end_time, now()), version = version + 1 "
                        + "WHERE job_execution_id = ? AND status IN " + unfinished,
                executionId);
    }

    /**
     * A restart of an older run after a newer run staged the dataset's prompts again (or took them over unchanged): the
     * prompts are the newer run's now, whose budget and restart they belong to. Say so plainly instead, and fail (exit 1) when prompts are still waiting for an image.
     *
     * @return the outcome to report, or null when the run is not superseded
     */
    RunOutcome superseded(String runId, JobInstance instance) {
        // The newest run that staged the prompts, or took over a staging unchanged (source.StagedSet).
        Long newest = jdbc.queryForObject(
                "SELECT greatest((SELECT max(staged_instance_id) FROM prompt WHERE dataset = ?),"
                        + " (SELECT max(job_instance_id) FROM run_staging WHERE dataset = ?))",
                Long.class,
                spec.dataset(),
                spec.dataset());
        if (newest == null || newest <= instance.getInstanceId()) {
            return null;
        }
        Integer staged = jdbc.queryForObject("""
                SELECT count(*) FROM batch_step_execution s JOIN batch_job_execution e
                    ON e.job_execution_id = s.job_execution_id
                 WHERE e.job_instance_id = ? AND s.step_name = 'stage' AND s.status = 'COMPLETED'""", Integer.class, instance.getInstanceId());
        if (staged == null || staged == 0) {
            return null; // its restart stages again, and so takes its prompts back
        }
        String newer = runs.runIds(List.of(newest)).getOrDefault(newest, "?");
        Long pending = jdbc.queryForObject("""
                SELECT count(*) FROM prompt p WHERE p.dataset = ? AND NOT EXISTS (
                    SELECT 1 FROM generated_image g WHERE g.dataset = p.dataset AND g.prompt_id = p.prompt_id
                       AND g.request_hash = p.request_hash)""", Long.class, spec.dataset());
        String why = "run " + runId + " of dataset '" + spec.dataset() + "' was superseded by the newer run " + newer
                + ", which took the dataset's prompts over (it staged them again, or found them unchanged): restarting "
                + runId + " would compete with it. ";
        if (pending == null || pending == 0) {
            return new RunOutcome(ExitCode.COMPLETED, why + "Every prompt has its image; nothing to do", null);
        }
        return new RunOutcome(
                ExitCode.FAILED,
                why + pending + " prompts still lack an image: restart run " + newer
                        + " (imagegen run JOBFILE --run-id " + newer + ") or start a new run, which sends only what is "
                        + "missing",
                null);
    }
}
