package dev.imagegen.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finds runs in Spring Batch's job repository: a run is the job instance whose identifying parameters are the
 * dataset and the run id (see {@code RunLauncher}).
 */
public final class Runs {

    /** The job's name in {@code BATCH_JOB_INSTANCE}. */
    static final String JOB_NAME = "imagegen";

    private static final String RUNS = """
            SELECT e.job_instance_id, r.parameter_value AS run_id, max(e.job_execution_id) AS last_execution
              FROM batch_job_execution e
              JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id AND i.job_name = ?
              JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
                   AND d.parameter_name = 'dataset' AND d.parameter_value = ?
              JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                   AND r.parameter_name = 'run.id'
            """;

    private final JdbcTemplate jdbc;

    public Runs(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<RunRef> find(String dataset, String runId) {
        return jdbc
                .query(
                        RUNS + " WHERE r.parameter_value = ? GROUP BY e.job_instance_id, r.parameter_value "
                                + "ORDER BY last_execution DESC LIMIT 1",
                        (rs, n) -> new RunRef(dataset, rs.getString("run_id"), rs.getLong("job_instance_id")),
                        JOB_NAME,
                        dataset,
                        runId)
                .stream()
                .findFirst();
    }

    /** The run whose execution started last. */
    public Optional<RunRef> latest(String dataset) {
        return jdbc
                .query(
                        RUNS + " GROUP BY e.job_instance_id, r.parameter_value ORDER BY last_execution DESC "
                                + "LIMIT 1",
                        (rs, n) -> new RunRef(dataset, rs.getString("run_id"), rs.getLong("job_instance_id")),
                        JOB_NAME,
                        dataset)
                .stream()
                .findFirst();
    }

    public List<Execution> executions(long jobInstanceId) {
        return jdbc.query(
                """
                SELECT job_execution_id, status, exit_code, exit_message, start_time, end_time
                  FROM batch_job_execution WHERE job_instance_id = ? ORDER BY job_execution_id""",
                (rs, n) -> new Execution(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        instant(rs, 5),
                        instant(rs, 6)),
                jobInstanceId);
    }

    /** Batch stores local wall-clock times without a zone; they were written by a JVM in this zone. */
    static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
