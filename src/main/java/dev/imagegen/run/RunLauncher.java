package dev.imagegen.run;

import dev.imagegen.ExitCode;
import dev.imagegen.JobScoped;
import dev.imagegen.batch.BatchSteps;
import dev.imagegen.catalog.Runs;
import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Starts or restarts the run of a dataset under its lock. A run is a Spring Batch job instance identified by
 * (dataset, run id): the same run id after a crash or stop restarts it; a new run id is a new, incremental run.
 */
@JobScoped
@Component
public class RunLauncher {

    private static final Logger log = LoggerFactory.getLogger(RunLauncher.class);

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job job;
    private final ImagegenDatabase database;
    private final RunGuard guard;
    private final JobSpec spec;
    private final JdbcTemplate jdbc;
    private final LockFence fence;
    private final RunRecovery recovery;
    private final RunSummaries summaries;
    private final Runs runs;
    /** Non-identifying job parameters of every run started here (a remote run's job file overrides). */
    private final Map<String, String> parameters = new LinkedHashMap<>();

    RunLauncher(
            JobOperator jobOperator,
            JobRepository jobRepository,
            Job imagegenJob,
            ImagegenDatabase database,
            RunGuard guard,
            JobSpec spec,
            JdbcTemplate jdbc,
            LockFence fence) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.job = imagegenJob;
        this.database = database;
        this.guard = guard;
        this.spec = spec;
        this.jdbc = jdbc;
        this.fence = fence;
        this.runs = new Runs(jdbc);
        this.recovery = new RunRecovery(jdbc, spec, runs);
        this.summaries = new RunSummaries(jdbc, spec, guard);
    }

    /** The job file this launcher runs. */
    public JobSpec spec() {
        return spec;
    }

    /** Adds non-identifying job parameters to the runs this launcher starts (e.g. what remote workers need). */
    public void addParameters(Map<String, String> more) {
        parameters.putAll(more);
    }

    /** A run id from the current time ({@code prefix} first, if any), unused so far for this dataset. */
    public String newRunId(String prefix) {
        String base = prefix
                + LocalDateTime.now(ZoneId.systemDefault())
                        .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String id = base;
        for (int n = 2; runExists(id); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    private boolean runExists(String runId) {
        return runs.exists(spec.dataset(), runId);
    }

    /**
     * Starts run {@code runId} of the dataset, or restarts it when it exists and did not complete.
     *
     * @param extra non-identifying job parameters (e.g. what rerun-failed selects)
     */
    public RunOutcome run(String runId, Map<String, String> extra) {
        try (DatasetLock lock = DatasetLock.tryAcquire(database, spec.dataset())) {
            if (lock == null) {
                return new RunOutcome(
                        ExitCode.LOCKED,
                        "another run of dataset '" + spec.dataset()
                                + "' is in progress (it holds the dataset's lock in the database); wait for it to finish",
                        null);
            }
            fence.hold(lock);
            try {
                return runLocked(runId, extra);
            } finally {
                fence.release();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot reach the database at " + database.describe() + ": " + e.getMessage(), e);
        } catch (JobFileException | IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The run id of the dataset's most recent run if it did not complete (failed, stopped, or left running). */
    public Optional<String> lastUnfinishedRunId() {
        return runs.latestExecution(spec.dataset(), null)
                .filter(e -> !"COMPLETED".equals(e.status()) && !"ABANDONED".equals(e.status()))
                .map(Runs.LatestExecution::runId);
    }

    /**
     * Why the scheduler's catch-up must not restart run {@code runId}, or null: a run that stopped on its budget,
     * max-images, a refused key or missing credits would only spend what nobody allowed or stop again.
     */
    public String catchUpHeldBack(String runId) {
        String exit = runs.latestExecution(spec.dataset(), runId)
                .map(Runs.LatestExecution::exitMessage)
                .orElse(null);
        StopSignal.Cause cause = StopSignal.Cause.in(exit);
        if (cause == null || !cause.needsAPerson()) {
            return null;
        }
        return "it stopped on " + cause.label() + " (" + cause.beforeRestart()
                + ", then run 'imagegen restart'); the scheduler does not restart it by itself";
    }

    private RunOutcome runLocked(String runId, Map<String, String> extra) throws Exception {
        JobParametersBuilder builder = new JobParametersBuilder()
                .addString("dataset", spec.dataset())
                .addString("run.id", runId)
                .addString("job.file", spec.file().toString(), false)
                .addString("job.fingerprint", spec.fingerprint(), false);
        parameters.forEach((k, v) -> builder.addString(k, v, false));
        extra.forEach((k, v) -> builder.addString(k, v, false));
        JobParameters params = builder.toJobParameters();
        JobInstance instance = jobRepository.getJobInstance(Runs.JOB_NAME, params);
        if (instance != null) {
            JobExecution last = jobRepository.getLastJobExecution(instance);
            if (last == null) {
                // Killed between creating the run and its first execution (two transactions in Spring Batch): nothing
                // ran, and Spring Batch would refuse the instance forever. We hold the lock: start it afresh.
                log.warn(
                        "run {} of dataset {} was left without an execution by a process that died as it started; "
                                + "starting it afresh",
                        runId,
                        spec.dataset());
                jobRepository.deleteJobInstance(instance);
            }
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                return new RunOutcome(
                        ExitCode.COMPLETED,
                        "run " + runId + " of dataset '" + spec.dataset() + "' already completed (execution "
                                + last.getId() + "); nothing to do",
                        null);
            }
            if (last != null) {
                String before = last.getJobParameters().getString("job.fingerprint");
                if (before != null && !spec.matchesFingerprint(before)) {
                    throw new JobFileException("run " + runId + " was started with a different job file (source, "
                            + "model or prompt settings changed). Restore the job file to restart it, or start a "
                            + "new run (a new --run-id) to generate with the new settings");
                }
                if (RunRecovery.isLeftUnfinished(last)) {
                    recovery.recover(runId, last);
                }
                RunOutcome superseded = recovery.superseded(runId, instance);
                if (superseded != null) {
                    return superseded;
                }
                log.info("restarting run {} of dataset {}", runId, spec.dataset());
            }
        }
        JobExecution execution = jobOperator.start(job, params);
        RunSummary summary = summaries.of(runId, execution);
        int code = ExitCode.of(execution.getStatus());
        if (code == ExitCode.STOPPED && execution.getExecutionContext().containsKey(BatchSteps.WAITING_KEY)) {
            code = ExitCode.WAITING;
        }
        return new RunOutcome(code, summary.reason(), summary);
    }
}
