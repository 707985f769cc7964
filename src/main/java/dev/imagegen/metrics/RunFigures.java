package dev.imagegen.metrics;

import dev.imagegen.ExitCode;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunCounters;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.RunSpec;
import dev.imagegen.support.Causes;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads a run's {@link Figures} from what the run already keeps: its rows in {@code generated_image},
 * {@code prompt_failure} and {@code source_reject} (the whole run, as the report counts it), and the run guard's
 * counters (pace, budget left). This is the one place metrics and notices take their figures from.
 *
 * <p>Money, calls and retries come from the ledger ({@code model_call}): the cost is every attempt's (billed errors,
 * retried attempts and unanswered calls included), the estimated cost is what was priced from tokens or counted at
 * an estimate for a call without an answer, and {@code retriesByKind} counts each retried attempt under the kind of
 * its failure.
 */
public final class RunFigures {

    private static final Logger log = LoggerFactory.getLogger(RunFigures.class);
    /** The kind under which retries are counted when their failure was not recorded. */
    static final String UNKNOWN_KIND = "unknown";

    private final JdbcTemplate jdbc;
    private final RunGuard guard;
    private final RunSpec limits;
    private volatile boolean databaseWarned;

    public RunFigures(JdbcTemplate jdbc, RunGuard guard, RunSpec limits) {
        this.jdbc = jdbc;
        this.guard = guard;
        this.limits = limits;
    }

    /** The figures of the run of {@code execution} now; {@code ended}: the execution is over (its last reading). */
    public Figures read(JobExecution execution, boolean ended) {
        String dataset = execution.getJobParameters().getString("dataset");
        String runId = execution.getJobParameters().getString("run.id");
        BatchStatus status = execution.getStatus();
        Integer exitCode = ended ? ExitCode.of(status) : null;
        Instant started =
                instant(execution.getStartTime() != null ? execution.getStartTime() : execution.getCreateTime());
        Instant endedAt =
                ended ? (execution.getEndTime() != null ? instant(execution.getEndTime()) : Instant.now()) : null;
        RunCounters counters = guard.counters();
        long expected = counters.expected();
        Long planned = expected < 0 ? null : expected;
        double pace = 0;
        if (expected >= 0) {
            double seconds = (System.nanoTime() - counters.expectedSince()) / 1e9;
            pace = seconds <= 0 ? 0 : counters.images() / seconds;
        }
        Double budgetLeft = limits.maxCostUsd() == null ? null : Math.max(0, limits.maxCostUsd() - counters.cost());
        Long imagesLeft = limits.maxImages() == null ? null : Math.max(0, limits.maxImages() - counters.images());
        String reason = status == BatchStatus.COMPLETED ? null : reason(execution);
        long instance = execution.getJobInstance().getId();
        try {
            Rows rows = rows(instance);
            return new Figures(
                    dataset,
                    runId,
                    execution.getId(),
                    status.name(),
                    exitCode,
                    reason,
                    started,
                    endedAt,
                    planned,
                    rows.images,
                    rows.adopted,
                    rows.skippedByKind,
                    rows.rejected,
                    rows.calls,
                    rows.skippedByKind,
                    rows.retriesByKind,
                    rows.costUsd,
                    rows.estimatedUsd,
                    budgetLeft,
                    imagesLeft,
                    pace,
                    rows.lastSuccess,
                    rows.latencyMs);
        } catch (DataAccessException e) {
            // The run's figures do not depend on the database being there: this execution's own counters instead.
            if (!databaseWarned) {
                databaseWarned = true;
                log.warn(
                        "metrics: the run's rows cannot be read ({}); showing this execution's own counters",
                        e.getMostSpecificCause().getMessage());
            }
            Map<String, Long> skipped = counters.skipsByKind().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, en -> (long) en.getValue()));
            return new Figures(
                    dataset,
                    runId,
                    execution.getId(),
                    status.name(),
                    exitCode,
                    reason,
                    started,
                    endedAt,
                    planned,
                    counters.images(),
                    0,
                    skipped,
                    0,
                    0,
                    skipped,
                    Map.of(UNKNOWN_KIND, counters.retries()),
                    counters.cost(),
                    0,
                    budgetLeft,
                    imagesLeft,
                    pace,
                    null,
                    Map.of());
        }
    }

    private record Rows(
            long images,
            long adopted,
            long calls,
            double costUsd,
            double estimatedUsd,
            Instant lastSuccess,
            Map<String, Long> skippedByKind,
            Map<String, Long> retriesByKind,
            long rejected,
            Map<Long, Long> latencyMs) {}

    /** The run's rows, read in one snapshot. */
    private Rows rows(long instance) {
        Map<String, Object> images = jdbc.queryForMap("""
                SELECT count(*) AS images, count(*) FILTER (WHERE adopted) AS adopted,
                       max(created_at) FILTER (WHERE NOT adopted) AS last_success
                  FROM generated_image WHERE job_instance_id = ?""", instance);
        Ledger.Spend ledger = Ledger.ofRun(jdbc, instance);
        Map<String, Long> skipped = new TreeMap<>();
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT kind, count(*) AS calls FROM prompt_failure WHERE job_instance_id = ? GROUP BY kind",
                instance)) {
            skipped.put((String) row.get("kind"), number(row.get("calls")));
        }
        // A retry is an attempt that another followed: counted under the kind of that attempt's failure.
        Map<String, Long> retries = new TreeMap<>();
        jdbc.query(
                "SELECT outcome, count(*) FROM model_call WHERE job_instance_id = ? AND retried GROUP BY outcome",
                rs -> {
                    retries.put(rs.getString(1), rs.getLong(2));
                },
                instance);
        Long rejected = jdbc.queryForObject(
                "SELECT count(*) FROM source_reject WHERE job_instance_id = ?", Long.class, instance);
        Map<Long, Long> latency = new LinkedHashMap<>();
        jdbc.query(
                """
                SELECT latency_ms, count(*) FROM generated_image
                 WHERE job_instance_id = ? AND NOT adopted AND call_index = 0 AND latency_ms IS NOT NULL
                 GROUP BY latency_ms""",
                rs -> {
                    latency.put(rs.getLong(1), rs.getLong(2));
                },
                instance);
        Object last = images.get("last_success");
        return new Rows(
                number(images.get("images")),
                number(images.get("adopted")),
                ledger.okCalls(),
                ledger.totalUsd().doubleValue(),
                ledger.unsettledUsd().doubleValue(),
                last instanceof Timestamp t ? t.toInstant() : null,
                skipped,
                retries,
                rejected == null ? 0 : rejected,
                latency);
    }

    /** Why the run did not complete: the guard's reason, else what failed. */
    private String reason(JobExecution execution) {
        if (guard.reason() != null) {
            return guard.reason();
        }
        String failures = execution.getAllFailureExceptions().stream()
                .map(RunFigures::rootMessage)
                .distinct()
                .collect(Collectors.joining("; "));
        return failures.isBlank() ? null : failures;
    }

    /** What went wrong at the bottom of {@code t}: its root cause's message, or the cause's type. */
    static String rootMessage(Throwable t) {
        Throwable root = Causes.root(t);
        return root.getMessage() == null ? root.getClass().getName() : root.getMessage();
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    /** Batch keeps local wall-clock times without a zone; they were written by this JVM. */
    private static Instant instant(LocalDateTime t) {
        return t == null ? null : t.atZone(ZoneId.systemDefault()).toInstant();
    }
}
