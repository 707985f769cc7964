package dev.imagegen.remote;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.Totals;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Keeps a worker's {@link RunGuard} for one run in step with the whole run: reads the run's cost and images from the
 * ledger (all its executions) and this execution's skipped calls, from the rows every worker has committed (indexed by execution; a few times a second, never per
 * call), so {@code run.max-cost-usd}, {@code run.max-images} and {@code run.skip-limit} hold across workers; and
 * stops this worker's partitions when the run is stopping or has ended.
 */
final class RunTotals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunTotals.class);
    private static final long MIN_INTERVAL_MS = 250;
    private static final Set<String> RUNNING = Set.of("STARTING", "STARTED");
    /**
     * Cost and images from the ledger over the whole run (every execution of its job instance: the budget is the
     * run's), skipped calls of this execution (the skip limit is per execution).
     */
    private static final String TOTALS = """
            WITH run AS (SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?)
            SELECT (SELECT coalesce(sum(cost_usd), 0) FROM model_call
                     WHERE job_instance_id = (SELECT job_instance_id FROM run))::float8 AS cost,
                   (SELECT coalesce(sum(images_stored), 0) FROM model_call
                     WHERE job_instance_id = (SELECT job_instance_id FROM run)) AS images,
                   (SELECT count(*) FROM prompt_failure WHERE job_execution_id = ?) AS skips,
                   (SELECT status FROM batch_job_execution WHERE job_execution_id = ?) AS status""";

    private final JdbcTemplate jdbc;
    private final long executionId;
    private final RunGuard guard;
    private final ScheduledExecutorService timer;

    RunTotals(JdbcTemplate jdbc, long executionId, RunGuard guard) {
        this.jdbc = jdbc;
        this.executionId = executionId;
        this.guard = guard;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-totals-" + executionId);
            t.setDaemon(true);
            return t;
        });
        refresh();
        timer.schedule(this::loop, MIN_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void loop() {
        long start = System.nanoTime();
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("cannot read the totals of execution {}: {}", executionId, e.getMessage());
        }
        // Never more than a twentieth of the time in this query, however many rows the run has.
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        if (!timer.isShutdown()) {
            timer.schedule(this::loop, Math.max(MIN_INTERVAL_MS, 20 * tookMs), TimeUnit.MILLISECONDS);
        }
    }

    /** The run's cost, images and skipped calls as every worker has committed them. */
    static Totals read(JdbcTemplate jdbc, long id) {
        Map<String, Object> row = jdbc.queryForMap(TOTALS, id, id, id);
        return totals(row);
    }

    private static Totals totals(Map<String, Object> row) {
        return new Totals(
                ((Number) row.get("cost")).doubleValue(),
                ((Number) row.get("images")).longValue(),
                ((Number) row.get("skips")).longValue());
    }

    void refresh() {
        Totals before = guard.committed();
        long id = executionId;
        Map<String, Object> row = jdbc.queryForMap(TOTALS, id, id, id);
        guard.shareRunTotals(totals(row), before);
        String status = (String) row.get("status");
        if ("STOPPING".equals(status)) {
            guard.stop("the run was asked to stop (its manager got a signal or reached a limit)");
        } else if (!RUNNING.contains(status)) {
            guard.stop("execution " + id + " of the run has ended (" + status + ")");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
