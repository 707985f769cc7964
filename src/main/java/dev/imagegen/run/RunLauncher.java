package dev.imagegen.run;

import dev.imagegen.JobScoped;
import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.remote.LiveWorkers;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
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
import org.springframework.batch.core.step.StepExecution;
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
        Integer n = jdbc.queryForObject("""
                SELECT count(*) FROM batch_job_execution_params d
                  JOIN batch_job_execution_params r ON r.job_execution_id = d.job_execution_id
                       AND r.parameter_name = 'run.id' AND r.parameter_value = ?
                 WHERE d.parameter_name = 'dataset' AND d.parameter_value = ?""", Integer.class, runId, spec.dataset());
        return n != null && n > 0;
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
                        RunOutcome.LOCKED,
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
        return jdbc.query(
                """
                SELECT e.status, r.parameter_value AS run_id
                  FROM batch_job_execution e
                  JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
                       AND d.parameter_name = 'dataset'
                  JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                       AND r.parameter_name = 'run.id'
                 WHERE d.parameter_value = ?
                 ORDER BY e.job_execution_id DESC
                 LIMIT 1""",
                rs -> rs.next()
                                && !"COMPLETED".equals(rs.getString("status"))
                                && !"ABANDONED".equals(rs.getString("status"))
                        ? Optional.of(rs.getString("run_id"))
                        : Optional.<String>empty(),
                spec.dataset());
    }

    /**
     * Why the scheduler's catch-up must not restart run {@code runId}, or null: a run that stopped on its budget,
     * max-images, a refused key or missing credits would only spend what nobody allowed or stop again.
     */
    public String catchUpHeldBack(String runId) {
        String exit = jdbc.query("""
                SELECT e.exit_message FROM batch_job_execution e
                  JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
                       AND d.parameter_name = 'dataset' AND d.parameter_value = ?
                  JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                       AND r.parameter_name = 'run.id' AND r.parameter_value = ?
                 ORDER BY e.job_execution_id DESC LIMIT 1""", rs -> rs.next() ? rs.getString(1) : null, spec.dataset(), runId);
        StopSignal.Cause cause = StopSignal.Cause.in(exit);
        if (cause == null || !cause.needsAPerson()) {
            return null;
        }
        return "it stopped on " + cause.label() + " ("
                + switch (cause) {
                    case BUDGET -> "raise run.max-cost-usd to let it go on by the difference";
                    case MAX_IMAGES -> "raise run.max-images to let it go on by the difference";
                    case AUTH -> "fix the API key or its permissions";
                    default -> "add credits or raise the key's limit";
                }
                + ", then run 'imagegen restart'); the scheduler does not restart it by itself";
    }

    private RunOutcome runLocked(String runId, Map<String, String> extra) throws Exception {
        JobParametersBuilder builder = new JobParametersBuilder()
                .addString("dataset", spec.dataset())
                .addString("run.id", runId)
                .addString("job.file", spec.file().toString(), false)
                .addString("job.fingerprint", fingerprint(spec), false);
        parameters.forEach((k, v) -> builder.addString(k, v, false));
        extra.forEach((k, v) -> builder.addString(k, v, false));
        JobParameters params = builder.toJobParameters();
        JobInstance instance = jobRepository.getJobInstance(JobConfiguration.JOB_NAME, params);
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
                        RunOutcome.COMPLETED,
                        "run " + runId + " of dataset '" + spec.dataset() + "' already completed (execution "
                                + last.getId() + "); nothing to do",
                        null);
            }
            if (last != null) {
                String before = last.getJobParameters().getString("job.fingerprint");
                if (before != null && !matchesFingerprint(before, spec)) {
                    throw new JobFileException("run " + runId + " was started with a different job file (source, "
                            + "model or prompt settings changed). Restore the job file to restart it, or start a "
                            + "new run (a new --run-id) to generate with the new settings");
                }
                if (last.getStatus().isRunning()
                        || last.getStatus() == BatchStatus.UNKNOWN
                        || hasUnfinishedStep(last)) {
                    // We hold the dataset lock, so no live process is running it: it died, or lost the database
                    // mid-update (UNKNOWN). Either way the generate step is idempotent, so mark it failed.
                    log.warn(
                            "run {} (execution {}) was left {} by a process that died or lost its database; "
                                    + "recovering it",
                            runId,
                            last.getId(),
                            last.getStatus());
                    // Remote workers may still be on its partitions (their manager died): let them finish first.
                    LiveWorkers.stopAndAwait(jdbc, last.getId());
                    markFailed(last.getId());
                }
                RunOutcome superseded = superseded(runId, instance);
                if (superseded != null) {
                    return superseded;
                }
                log.info("restarting run {} of dataset {}", runId, spec.dataset());
            }
        }
        JobExecution execution = jobOperator.start(job, params);
        RunSummary summary = summarize(runId, execution);
        int code = exitCode(execution.getStatus());
        if (code == RunOutcome.STOPPED && execution.getExecutionContext().containsKey(RunOutcome.WAITING_KEY)) {
            code = RunOutcome.WAITING;
        }
        return new RunOutcome(code, summary.reason(), summary);
    }

    /**
     * A restart of an older run after a newer run staged the dataset's prompts again: the older run's generate step
     * only sees the prompts it staged itself, which are now the newer run's, so restarting it would "complete" doing
     * nothing. Say so plainly instead, and fail (exit 1) when prompts are still waiting for an image.
     *
     * @return the outcome to report, or null when the run is not superseded
     */
    private RunOutcome superseded(String runId, JobInstance instance) {
        Long newest = jdbc.queryForObject(
                "SELECT max(staged_instance_id) FROM prompt WHERE dataset = ?", Long.class, spec.dataset());
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
        String newer = jdbc.query("""
                SELECT r.parameter_value FROM batch_job_execution e JOIN batch_job_execution_params r
                    ON r.job_execution_id = e.job_execution_id AND r.parameter_name = 'run.id'
                 WHERE e.job_instance_id = ? LIMIT 1""", rs -> rs.next() ? rs.getString(1) : "?", newest);
        Long pending = jdbc.queryForObject("""
                SELECT count(*) FROM prompt p WHERE p.dataset = ? AND NOT EXISTS (
                    SELECT 1 FROM generated_image g WHERE g.dataset = p.dataset AND g.prompt_id = p.prompt_id
                       AND g.request_hash = p.request_hash)""", Long.class, spec.dataset());
        String why = "run " + runId + " of dataset '" + spec.dataset() + "' was superseded by the newer run " + newer
                + ", which staged the dataset's prompts again: restarting " + runId + " would do nothing. ";
        if (pending == null || pending == 0) {
            return new RunOutcome(RunOutcome.COMPLETED, why + "Every prompt has its image; nothing to do", null);
        }
        return new RunOutcome(
                RunOutcome.FAILED,
                why + pending + " prompts still lack an image: restart run " + newer
                        + " (imagegen run JOBFILE --run-id " + newer + ") or start a new run, which sends only what is "
                        + "missing",
                null);
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

    /** The command's exit code for an execution that ended with {@code status}. */
    public static int exitCode(BatchStatus status) {
        return switch (status) {
            case COMPLETED -> RunOutcome.COMPLETED;
            case STOPPED, STOPPING -> RunOutcome.STOPPED;
            default -> RunOutcome.FAILED;
        };
    }

    RunSummary summarize(String runId, JobExecution execution) {
        long id = execution.getId();
        long read = execution.getStepExecutions().stream()
                .filter(s -> s.getStepName().equals("stage"))
                .mapToLong(StepExecution::getReadCount)
                .sum();
        long rejected = count("SELECT count(*) FROM source_reject WHERE job_execution_id = ?", id);
        Map<String, Object> images = jdbc.queryForMap("""
                SELECT count(*) AS n, count(*) FILTER (WHERE adopted) AS adopted
                  FROM generated_image WHERE job_execution_id = ?""", id);
        // Money and retries from the ledger: every attempt, billed errors and unanswered calls included.
        Ledger.Spend spend = Ledger.ofExecution(jdbc, id);
        Ledger.Spend run = Ledger.ofRun(jdbc, execution.getJobInstance().getId());
        Map<String, Long> skipped = jdbc.query(
                """
                SELECT kind, count(*) FROM prompt_failure WHERE job_execution_id = ? GROUP BY kind ORDER BY kind""",
                rs -> {
                    Map<String, Long> m = new LinkedHashMap<>();
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getLong(2));
                    }
                    return m;
                },
                id);
        Duration wall = execution.getStartTime() == null || execution.getEndTime() == null
                ? Duration.ZERO
                : Duration.between(execution.getStartTime(), execution.getEndTime());
        return new RunSummary(
                spec.dataset(),
                runId,
                id,
                execution.getStatus(),
                reason(execution),
                read,
                rejected,
                ((Number) images.get("n")).longValue(),
                ((Number) images.get("adopted")).longValue(),
                skipped,
                spend.retries(),
                spend.totalUsd().doubleValue(),
                wall,
                spec.output().dir(),
                spend,
                run,
                spec.run().maxCostUsd());
    }

    private String reason(JobExecution execution) {
        if (guard.reason() != null) {
            return guard.reason();
        }
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            return null;
        }
        if (spec.run().remote()) {
            // The partitions ran elsewhere: why they did not complete is in the job repository.
            List<String> why = jdbc.queryForList(
                    """
                    SELECT DISTINCT substring(exit_message FROM ?) FROM batch_step_execution
                     WHERE job_execution_id = ? AND status <> 'COMPLETED' AND step_name LIKE 'generate-partition:%'
                       AND strpos(exit_message, ?) > 0 LIMIT 3""",
                    String.class,
                    GeneratePartitions.REASON + "([^\\n]*)",
                    execution.getId(),
                    GeneratePartitions.REASON);
            if (!why.isEmpty()) {
                return String.join("; ", why);
            }
        }
        return execution.getAllFailureExceptions().stream()
                .map(RunLauncher::rootMessage)
                .distinct()
                .collect(Collectors.joining("; "));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private long count(String sql, long id) {
        Long n = jdbc.queryForObject(sql, Long.class, id);
        return n == null ? 0 : n;
    }

    /**
     * A hash of the settings a restart must share with the first execution, and a remote worker with its manager:
     * what shapes the pictures, and where requests go (provider, base URL, fallback models, provider routing, the
     * source, the directory references may be read from). No secrets, no tuning. Prefixed with its version, so that runs recorded before it are still matched.
     */
    public static String fingerprint(JobSpec spec) {
        var m = spec.model();
        String destination = String.join(
                "\n",
                withoutUserInfo(m.baseUrl()),
                String.valueOf(m.fallbackModels()),
                new java.util.TreeMap<>(m.providerRouting()).toString(),
                String.valueOf(spec.source().referenceRoot()));
        return FINGERPRINT_VERSION + sha256(legacySettings(spec) + "\n" + destination);
    }

    /** Whether a fingerprint recorded with a run matches the settings of this job file. */
    public static boolean matchesFingerprint(String recorded, JobSpec spec) {
        return recorded.startsWith(FINGERPRINT_VERSION)
                ? recorded.equals(fingerprint(spec))
                : recorded.equals(sha256(legacySettings(spec))); // a run started before where-requests-go was in it
    }

    private static final String FINGERPRINT_VERSION = "2:";

    private static String legacySettings(JobSpec spec) {
        var m = spec.model();
        var s = spec.source();
        String source = s.isJdbc() ? s.jdbc().target() + "\n" + s.jdbc().query() : String.valueOf(s.csv());
        return String.join(
                "\n",
                spec.dataset(),
                source,
                s.promptColumn(),
                String.valueOf(s.idColumn()),
                String.valueOf(s.delimiter()),
                m.provider(),
                m.name(),
                m.promptTemplate(),
                new java.util.TreeMap<>(m.imageConfig()).toString(),
                String.valueOf(m.seed()),
                String.valueOf(m.imagesPerPrompt()),
                String.valueOf(spec.output().dir()));
    }

    private static String withoutUserInfo(java.net.URI url) {
        return url.getRawUserInfo() == null ? url.toString() : url.toString().replace(url.getRawUserInfo() + "@", "");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
