package dev.imagegen.remote;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Before a dead execution is recovered (marked failed and restarted), remote workers must be off its partitions:
 * when the manager of a remote run dies, its workers go on with the partitions they took, and a restart that sent
 * those partitions again could pay twice for the prompts in flight. So the execution is marked STOPPING (the
 * workers finish their calls in flight, store them and end their partitions) and this waits until no partition of
 * it is still held by a worker whose lease is alive.
 */
public final class LiveWorkers {

    private static final Logger log = LoggerFactory.getLogger(LiveWorkers.class);
    private static final Duration PATIENCE = Duration.ofMinutes(10);
    private static final String HELD = """
            SELECT count(*) FROM partition_claim c
              JOIN remote_worker w ON w.worker_id = c.worker_id
              JOIN batch_step_execution s ON s.step_execution_id = c.step_execution_id
             WHERE c.job_execution_id = ? AND s.status IN ('STARTING', 'STARTED', 'STOPPING')
               AND w.lease_until > now()""";

    private LiveWorkers() {}

    /** Returns at once when no live worker holds a partition of the execution (always so for local runs). */
    public static void stopAndAwait(JdbcTemplate jdbc, long jobExecutionId) {
        Integer held = jdbc.queryForObject(HELD, Integer.class, jobExecutionId);
        if (held == null || held == 0) {
            return;
        }
        log.warn(
                "{} partitions of execution {} are still run by live workers; asking them to stop and waiting",
                held,
                jobExecutionId);
        jdbc.update(
                "UPDATE batch_job_execution SET status = 'STOPPING', version = version + 1, last_updated = now()"
                        + " WHERE job_execution_id = ? AND status IN ('STARTING', 'STARTED')",
                jobExecutionId);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (held != null && held > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(held + " partitions of execution " + jobExecutionId + " are still "
                        + "run by live workers after " + PATIENCE.toMinutes() + " minutes; stop those workers "
                        + "(see the remote_worker table) and restart again");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "interrupted while waiting for workers to leave execution " + jobExecutionId, e);
            }
            held = jdbc.queryForObject(HELD, Integer.class, jobExecutionId);
        }
    }
}
