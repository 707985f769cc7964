package dev.imagegen.generate;

import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records a call that brought no image as soon as it ends: its attempts' ledger rows and, when it failed for good,
 * its {@code prompt_failure} rows, in one short transaction of their own. A call that brought images is written with
 * them by {@link OutcomeWriter} at the end of the chunk (an image and its ledger row commit together; a crash before
 * that leaves the file on disk, which the restart adopts with its cost).
 *
 * <p>Why not wait for the chunk: a kill before the chunk's commit would lose the rows of calls that had already
 * ended — money off the books, and a failed prompt sent (and paid for) again. Written at once, the only calls a kill
 * can leave unrecorded, and have paid for twice, are those in flight at the kill.
 */
final class CallRecorder {

    private static final Logger log = LoggerFactory.getLogger(CallRecorder.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final RunGuard guard;
    private final RunFence fence;
    private final String dataset;
    private final StepExecution stepExecution;
    private final long executionId;
    private final long instanceId;

    CallRecorder(
            JdbcTemplate jdbc,
            TransactionTemplate tx,
            RunGuard guard,
            RunFence fence,
            String dataset,
            StepExecution stepExecution) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.guard = guard;
        this.fence = fence;
        this.dataset = dataset;
        this.stepExecution = stepExecution;
        this.executionId = stepExecution.getJobExecution().getId();
        this.instanceId = stepExecution.getJobExecution().getJobInstance().getId();
    }

    /**
     * @return true when the rows are committed; false when they could not be (the database is unreachable): the
     *         caller then hands them to the chunk's writer
     */
    boolean record(List<Ledger.Entry> attempts, List<PromptOutcome.CallFailure> failures) {
        if (attempts.isEmpty() && failures.isEmpty()) {
            return true;
        }
        try {
            try {
                tx.executeWithoutResult(status -> {
                    if (!failures.isEmpty()) {
                        // A failure row is a decision about the run's prompts: only while the run is ours.
                        fence.beforeCommit(stepExecution);
                        OutcomeWriter.insertFailures(jdbc, dataset, executionId, instanceId, failures);
                    }
                    Ledger.insert(jdbc, dataset, executionId, instanceId, attempts);
                });
            } catch (RunFence.Lost e) {
                // The prompts are another process's now, but what this one spent is a fact: on the books anyway.
                tx.executeWithoutResult(status -> Ledger.insert(jdbc, dataset, executionId, instanceId, attempts));
                guard.stop(e.getMessage());
                stepExecution.setTerminateOnly();
                guard.recordCommitted(cost(attempts), 0, 0);
                return true;
            }
        } catch (DataAccessException e) {
            log.warn(
                    "cannot record a failed call now ({}); it is written with its chunk",
                    e.getMostSpecificCause().getMessage());
            return false;
        }
        guard.recordCommitted(cost(attempts), 0, failures.size());
        return true;
    }

    private static double cost(List<Ledger.Entry> attempts) {
        return attempts.stream().mapToDouble(a -> a.attempt().costUsd()).sum();
    }
}
