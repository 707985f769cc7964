package dev.imagegen.report;

import dev.imagegen.catalog.Execution;
import dev.imagegen.catalog.RunRef;
import dev.imagegen.catalog.Runs;
import dev.imagegen.ledger.Ledger;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The figures of one run, each one SQL aggregate over the run's rows ({@code job_instance_id}), so the report's
 * numbers are the database's by construction.
 */
final class RunStatistics {

    static final int EXAMPLES_PER_KIND = 5;
    static final int MESSAGES_PER_KIND = 5;
    private static final int MAX_TEXT = 1000;
    /** Bucket widths for the throughput chart: the smallest that gives at most ~60 buckets. */
    private static final long[] BUCKETS = {1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400};

    private final JdbcTemplate jdbc;
    private final Runs runs;

    RunStatistics(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.runs = new Runs(jdbc);
    }

    RunReport build(RunRef run, Instant now) {
        String ds = run.dataset();
        long id = run.jobInstanceId();
        List<Execution> executions = runs.executions(id);
        List<RunReport.ExecutionInfo> infos = executions.stream()
                .map(e -> new RunReport.ExecutionInfo(
                        e.id(),
                        e.status(),
                        e.exitCode(),
                        clip(e.exitMessage()),
                        e.startTime(),
                        e.endTime(),
                        e.wallTime(now).toMillis() / 1000.0))
                .toList();
        String status = executions.isEmpty()
                ? "UNKNOWN"
                : executions.get(executions.size() - 1).status();
        double wallSeconds =
                executions.stream().mapToLong(e -> e.wallTime(now).toMillis()).sum() / 1000.0;

        Map<String, Object> img = jdbc.queryForMap("""
                SELECT count(*) AS images,
                       count(*) FILTER (WHERE adopted) AS adopted,
                       coalesce(sum(cost_usd) FILTER (WHERE NOT adopted), 0) AS generated_cost,
                       coalesce(sum(cost_usd) FILTER (WHERE adopted), 0) AS adopted_cost,
                       count(*) FILTER (WHERE cost_estimated AND NOT adopted) AS estimated,
                       coalesce(sum(attempts - 1), 0) AS retries,
                       count(*) FILTER (WHERE attempts > 1) AS retried
                  FROM generated_image WHERE dataset = ? AND job_instance_id = ?""", ds, id);
        Map<String, Object> fail = jdbc.queryForMap("""
                SELECT count(*) AS failed, count(*) FILTER (WHERE resolved_at IS NULL) AS open,
                       coalesce(sum(cost_usd), 0) AS cost,
                       coalesce(sum(attempts - 1), 0) AS retries,
                       count(*) FILTER (WHERE attempts > 1) AS retried
                  FROM prompt_failure WHERE dataset = ? AND job_instance_id = ?""", ds, id);
        long promptsRead = longOf(jdbc.queryForObject("""
                SELECT coalesce(sum(read_count), 0) FROM batch_step_execution s
                  JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
                 WHERE e.job_instance_id = ? AND s.step_name = 'stage'""", Long.class, id));
        long rejected = longOf(jdbc.queryForObject(
                "SELECT count(*) FROM source_reject WHERE dataset = ? AND job_instance_id = ?", Long.class, ds, id));

        long images = longOf(img.get("images"));
        long adopted = longOf(img.get("adopted"));
        // Money and retries from the ledger: every attempt of the run, billed errors and unanswered calls included.
        Ledger.Spend ledger = Ledger.ofRun(jdbc, id);
        BigDecimal total = ledger.totalUsd();
        BigDecimal imagesUsd = ledger.okUsd();
        BigDecimal adoptedUsd = ledger.adoptedUsd();
        BigDecimal failedUsd = total.subtract(imagesUsd).subtract(adoptedUsd);
        RunReport.Counts counts = new RunReport.Counts(
                promptsRead,
                rejected,
                images,
                images - adopted,
                adopted,
                longOf(fail.get("failed")),
                longOf(fail.get("open")));
        RunReport.Cost cost = new RunReport.Cost(
                total,
                imagesUsd,
                failedUsd,
                adoptedUsd,
                images == 0 ? null : total.divide(BigDecimal.valueOf(images), 8, RoundingMode.HALF_EVEN),
                longOf(img.get("estimated")),
                ledger.estimatedUsd(),
                ledger.possiblyBilledUsd(),
                ledger.possiblyBilledCalls());
        RunReport.Retries retries =
                new RunReport.Retries(ledger.retries(), longOf(img.get("retried")), longOf(fail.get("retried")));
        return new RunReport(
                RunReport.FORMAT_VERSION,
                ds,
                run.runId(),
                id,
                status,
                now,
                infos,
                counts,
                cost,
                latency(ds, id),
                retries,
                throughput(ds, id, wallSeconds, images),
                failures(ds, id),
                null);
    }

    private RunReport.Latency latency(String ds, long id) {
        return jdbc.queryForObject(
                """
                SELECT count(latency_ms),
                       percentile_disc(0.50) WITHIN GROUP (ORDER BY latency_ms),
                       percentile_disc(0.90) WITHIN GROUP (ORDER BY latency_ms),
                       percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms),
                       percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms),
                       max(latency_ms), avg(latency_ms)::float8
                  FROM generated_image WHERE dataset = ? AND job_instance_id = ? AND NOT adopted""",
                (rs, n) -> new RunReport.Latency(
                        rs.getLong(1),
                        rs.getObject(2, Long.class),
                        rs.getObject(3, Long.class),
                        rs.getObject(4, Long.class),
                        rs.getObject(5, Long.class),
                        rs.getObject(6, Long.class),
                        rs.getObject(7, Double.class)),
                ds,
                id);
    }

    private RunReport.Throughput throughput(String ds, long id, double wallSeconds, long images) {
        Map<String, Object> span = jdbc.queryForMap("""
                SELECT extract(epoch FROM min(t))::float8 AS first, extract(epoch FROM max(t))::float8 AS last FROM (
                    SELECT created_at AS t FROM generated_image WHERE dataset = ? AND job_instance_id = ?
                    UNION ALL
                    SELECT failed_at FROM prompt_failure WHERE dataset = ? AND job_instance_id = ?) x""", ds, id, ds, id);
        long width = BUCKETS[BUCKETS.length - 1];
        List<RunReport.Bucket> buckets = new ArrayList<>();
        if (span.get("first") != null) {
            double seconds = ((Number) span.get("last")).doubleValue() - ((Number) span.get("first")).doubleValue();
            for (long w : BUCKETS) {
                if (seconds / w <= 60) {
                    width = w;
                    break;
                }
            }
            Map<Long, long[]> byStart = new TreeMap<>();
            String bucketSql = "SELECT (floor(extract(epoch FROM %s) / ?) * ?)::bigint AS b, count(*) FROM %s "
                    + "WHERE dataset = ? AND job_instance_id = ? GROUP BY b";
            long w = width;
            jdbc.query(
                    bucketSql.formatted("created_at", "generated_image"),
                    rs -> {
                        byStart.computeIfAbsent(rs.getLong(1), k -> new long[2])[0] = rs.getLong(2);
                    },
                    w,
                    w,
                    ds,
                    id);
            jdbc.query(
                    bucketSql.formatted("failed_at", "prompt_failure"),
                    rs -> {
                        byStart.computeIfAbsent(rs.getLong(1), k -> new long[2])[1] = rs.getLong(2);
                    },
                    w,
                    w,
                    ds,
                    id);
            byStart.forEach((start, n) -> buckets.add(new RunReport.Bucket(Instant.ofEpochSecond(start), n[0], n[1])));
        }
        Double pace = wallSeconds <= 0 ? null : Math.round(images / wallSeconds * 1000) / 1000.0;
        return new RunReport.Throughput(wallSeconds, pace, width, buckets);
    }

    private List<RunReport.FailureKind> failures(String ds, long id) {
        List<RunReport.FailureKind> kinds = new ArrayList<>();
        jdbc.query(
                """
                SELECT kind, count(*), count(*) FILTER (WHERE resolved_at IS NULL) FROM prompt_failure
                 WHERE dataset = ? AND job_instance_id = ? GROUP BY kind ORDER BY count(*) DESC, kind""",
                rs -> {
                    kinds.add(new RunReport.FailureKind(rs.getString(1), rs.getLong(2), rs.getLong(3), null, null));
                },
                ds,
                id);
        List<RunReport.FailureKind> out = new ArrayList<>();
        for (RunReport.FailureKind k : kinds) {
            List<RunReport.MessageCount> messages = jdbc.query(
                    """
                    SELECT http_status, message, count(*) FROM prompt_failure
                     WHERE dataset = ? AND job_instance_id = ? AND kind = ?
                     GROUP BY http_status, message ORDER BY count(*) DESC, message LIMIT ?""",
                    (rs, n) -> new RunReport.MessageCount(
                            rs.getObject(1, Integer.class), clip(rs.getString(2)), rs.getLong(3)),
                    ds,
                    id,
                    k.kind(),
                    MESSAGES_PER_KIND);
            List<RunReport.FailureExample> examples = jdbc.query(
                    """
                    SELECT f.prompt_id, f.variant, p.rendered_prompt, f.http_status, f.message, f.attempts,
                           f.failed_at, f.resolved_at IS NOT NULL
                      FROM prompt_failure f
                      LEFT JOIN prompt p ON p.dataset = f.dataset AND p.prompt_id = f.prompt_id
                     WHERE f.dataset = ? AND f.job_instance_id = ? AND f.kind = ?
                     ORDER BY f.failed_at, f.id LIMIT ?""",
                    (rs, n) -> new RunReport.FailureExample(
                            rs.getString(1),
                            rs.getInt(2),
                            clip(rs.getString(3)),
                            rs.getObject(4, Integer.class),
                            clip(rs.getString(5)),
                            rs.getInt(6),
                            rs.getTimestamp(7).toInstant(),
                            rs.getBoolean(8)),
                    ds,
                    id,
                    k.kind(),
                    EXAMPLES_PER_KIND);
            out.add(new RunReport.FailureKind(k.kind(), k.count(), k.open(), messages, examples));
        }
        return out;
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
    }

    private static long longOf(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }
}
