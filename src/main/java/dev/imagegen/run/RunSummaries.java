package dev.imagegen.run;

import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;

/** The summary a run prints at its end: its execution's rows and money, and why it did not complete. */
final class RunSummaries {

    private final JdbcTemplate jdbc;
    private final JobSpec spec;
    private final RunGuard guard;

    RunSummaries(JdbcTemplate jdbc, JobSpec spec, RunGuard guard) {
        this.jdbc = jdbc;
        this.spec = spec;
        this.guard = guard;
    }

    RunSummary of(String runId, JobExecution execution) {
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
                .map(Errors::rootMessage)
                .distinct()
                .collect(Collectors.joining("; "));
    }

    private long count(String sql, long id) {
        Long n = jdbc.queryForObject(sql, Long.class, id);
        return n == null ? 0 : n;
    }
}
