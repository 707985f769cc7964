package dev.imagegen.remote;

import dev.imagegen.limits.RunFence;
import java.util.List;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fence of a worker's partitions: before every model call its lease must hold ({@link WorkerLease#verify()},
 * no round trip), and at every commit also its claim, in the commit's own transaction: the partition is still
 * running, still this worker's, and the lease unexpired by the database's clock. The partition's row is locked for
 * that transaction, so the manager cannot fail it between the check and the commit.
 */
final class ClaimFence implements RunFence {

    private static final String CLAIMED = """
            SELECT s.status FROM batch_step_execution s
              JOIN partition_claim c ON c.step_execution_id = s.step_execution_id
              JOIN remote_worker w ON w.worker_id = c.worker_id
             WHERE s.step_execution_id = ? AND c.worker_id = ? AND w.lease_until > now()
               AND s.status IN ('STARTING', 'STARTED', 'STOPPING')
               FOR SHARE OF s""";

    private final JdbcTemplate jdbc;
    private final WorkerLease lease;

    ClaimFence(JdbcTemplate jdbc, WorkerLease lease) {
        this.jdbc = jdbc;
        this.lease = lease;
    }

    @Override
    public void beforeCall() {
        lease.verify();
    }

    @Override
    public void beforeCommit(StepExecution partition) {
        lease.verify();
        List<String> held = jdbc.queryForList(CLAIMED, String.class, partition.getId(), lease.id());
        if (held.isEmpty()) {
            throw new Lost("worker " + lease.id() + " no longer holds " + partition.getStepName() + " (the manager "
                    + "failed it, or a restart handed it to another worker); its rows are not committed here");
        }
    }
}
