package dev.imagegen.remote;

import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.limits.Totals;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Beside the manager's polling: every poll interval it
 * <ul>
 * <li>marks FAILED each running partition whose worker's lease ran out (the worker died or lost the database), so
 * the manager's wait ends and the run ends FAILED; a restart redoes only those partitions, adopting the images
 * they had already written;</li>
 * <li>passes a stop of this process (SIGTERM, budget) on to the workers by marking the job execution STOPPING, which
 * Spring Batch's job repository reports to every partition at its next chunk;</li>
 * <li>says so when partitions are waiting and no worker is alive.</li>
 * </ul>
 */
final class WorkerWatch implements StepExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(WorkerWatch.class);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(30);
    private static final String LOST = """
            SELECT s.step_execution_id, s.step_name, w.worker_id, w.host, w.pid
              FROM partition_claim c
              JOIN remote_worker w ON w.worker_id = c.worker_id
              JOIN batch_step_execution s ON s.step_execution_id = c.step_execution_id
             WHERE c.job_execution_id = ? AND s.status IN ('STARTING', 'STARTED', 'STOPPING')
               AND w.lease_until < now()""";

    private final JdbcTemplate jdbc;
    private final JobRepository jobRepository;
    private final PartitionQueue queue;
    private final RunGuard guard;
    private final Duration interval;
    private ScheduledExecutorService timer;
    private volatile boolean stopSent;
    private long lastReport;

    WorkerWatch(
            JdbcTemplate jdbc, JobRepository jobRepository, PartitionQueue queue, RunGuard guard, Duration interval) {
        this.jdbc = jdbc;
        this.jobRepository = jobRepository;
        this.queue = queue;
        this.guard = guard;
        this.interval = interval;
    }

    @Override
    public void beforeStep(StepExecution managerStep) {
        stopSent = false;
        lastReport = System.nanoTime();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worker-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        check(managerStep.getJobExecution());
                    } catch (RuntimeException e) {
                        // The database may be away for a moment; the next round tries again.
                        log.warn("checking the workers failed: {}", e.getMessage());
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public ExitStatus afterStep(StepExecution managerStep) {
        timer.shutdownNow();
        if (managerStep.getStatus() != BatchStatus.COMPLETED) {
            // Name the limit the workers stopped at (budget, max-images, skip limit) in the run's summary.
            guard.shareRunTotals(RunTotals.read(jdbc, managerStep.getJobExecutionId()), Totals.ZERO);
            guard.withinLimits();
        }
        // The run's shared rate-limit bucket is not needed any more.
        jdbc.update("DELETE FROM rate_bucket WHERE id = ?", managerStep.getJobExecutionId());
        return null;
    }

    private void check(JobExecution jobExecution) {
        long id = jobExecution.getId();
        // The run's figures, for the progress display (the workers enforce the limits).
        guard.shareRunTotals(RunTotals.read(jdbc, id), Totals.ZERO);
        for (Map<String, Object> lost : jdbc.queryForList(LOST, id)) {
            failLostPartition(lost);
        }
        if (guard.ending() != StopSignal.Ending.NONE && !stopSent) {
            stopSent = true;
            log.info("stopping the workers of execution {}: {}", id, guard.reason());
            jobExecution.setStatus(BatchStatus.STOPPING);
            try {
                jobRepository.update(jobExecution);
            } catch (OptimisticLockingFailureException e) {
                stopSent = false; // try again next round
            }
        }
        if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
            lastReport = System.nanoTime();
            report(id);
        }
    }

    private void failLostPartition(Map<String, Object> lost) {
        long stepId = ((Number) lost.get("step_execution_id")).longValue();
        StepExecution partition = jobRepository.getStepExecution(stepId);
        if (partition == null || !partition.getStatus().isRunning()) {
            return;
        }
        // One text per worker, so that the run's summary names each lost worker once.
        String why = "worker " + lost.get("worker_id") + " (host " + lost.get("host") + ", pid " + lost.get("pid")
                + ") stopped renewing its lease while running partitions; restart the run to redo them";
        partition.setStatus(BatchStatus.FAILED);
        partition.setExitStatus(ExitStatus.FAILED.addExitDescription(GeneratePartitions.REASON + why));
        partition.setEndTime(LocalDateTime.now());
        try {
            jobRepository.update(partition);
            log.warn("{} failed: worker {} stopped renewing its lease", lost.get("step_name"), lost.get("worker_id"));
        } catch (OptimisticLockingFailureException e) {
            // The worker updated it meanwhile, so it is not dead after all; look again next round.
        }
    }

    private void report(long id) {
        List<Map<String, Object>> states = jdbc.queryForList("""
                SELECT status, count(*) AS n FROM batch_step_execution
                 WHERE job_execution_id = ? AND step_name LIKE 'generate-partition:%' GROUP BY status""", id);
        Integer live = jdbc.queryForObject(
                "SELECT count(*) FROM remote_worker WHERE lease_until > now() AND stopped_at IS NULL", Integer.class);
        int queued = queue.size();
        log.info("partitions of execution {}: {}; {} queued; {} live workers", id, states, queued, live);
        if (queued > 0 && live != null && live == 0) {
            log.warn(
                    "{} partitions are waiting and no worker is alive: start one with 'imagegen worker' (same "
                            + "database, same filesystem)",
                    queued);
        }
    }
}
