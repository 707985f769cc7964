package dev.imagegen.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finds runs in Spring Batch's job repository: a run is the job instance whose identifying parameters are the
 * dataset and the run id (see {@code run.RunLauncher}). The queries over runs live here.
 */
public final class Runs {

    /** The job's name in {@code BATCH_JOB_INSTANCE}: the one job, {@code run.JobConfiguration}'s. */
    public static final String JOB_NAME = "imagegen";

    /**
     * Joins a job execution {@code e} to the identifying parameters of its run: {@code d.parameter_value} is the
     * dataset, {@code r.parameter_value} the run id.
     */
    public static final String RUN_PARAMETERS = """
              JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
                   AND d.parameter_name = 'dataset'
              JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                   AND r.parameter_name = 'run.id'
            """;

    private static final String RUNS = """
            SELECT e.job_instance_id, r.parameter_value AS run_id, max(e.job_execution_id) AS last_execution
              FROM batch_job_execution e
              JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id AND i.job_name = ?
            """ + RUN_PARAMETERS + " WHERE d.parameter_value = ?";

    /** The latest execution of a dataset or one of its runs: its run id, status and exit message. */
    public record LatestExecution(String runId, String status, String exitMessage) {}

    private final JdbcTemplate jdbc;

    public Runs(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<RunRef> find(String dataset, String runId) {
        return jdbc
                .query(
                        RUNS + " AND r.parameter_value = ? GROUP BY e.job_instance_id, r.parameter_value "
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

    /** Whether the dataset has a run with this id. */
    public boolean exists(String dataset, String runId) {
        return find(dataset, runId).isPresent();
    }

    /** The dataset's latest execution, of any run ({@code runId} null) or of that run. */
    public Optional<LatestExecution> latestExecution(String dataset, String runId) {
        return jdbc
                .query(
                        "SELECT r.parameter_value, e.status, e.exit_message FROM batch_job_execution e\n"
                                + RUN_PARAMETERS
                                + " WHERE d.parameter_value = ? AND (?::text IS NULL OR r.parameter_value = ?)"
                                + " ORDER BY e.job_execution_id DESC LIMIT 1",
                        (rs, n) -> new LatestExecution(rs.getString(1), rs.getString(2), rs.getString(3)),
                        dataset,
                        runId,
                        runId)
                .stream()
                .findFirst();
    }

    /** The run ids of job instances. */
    public Map<Long, String> runIds(Collection<Long> instances) {
        Map<Long, String> out = new LinkedHashMap<>();
        if (instances.isEmpty()) {
            return out;
        }
        jdbc.query(
                con -> {
                    var ps = con.prepareStatement("""
                    SELECT DISTINCT e.job_instance_id, r.parameter_value FROM batch_job_execution e
                      JOIN batch_job_execution_params r ON r.job_execution_id = e.job_execution_id
                           AND r.parameter_name = 'run.id'
                     WHERE e.job_instance_id = ANY (?)""");
                    ps.setArray(1, con.createArrayOf("int8", instances.toArray(Long[]::new)));
                    return ps;
                },
                rs -> {
                    out.put(rs.getLong(1), rs.getString(2));
                });
        return out;
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
