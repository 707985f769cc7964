package dev.imagegen.source;

import dev.imagegen.spec.JobSpec;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which staged prompts a run works on: those its own stage step wrote, or — when its source file and settings are
 * exactly those of the dataset's last complete staging — that staging's rows, reused without rewriting one
 * ({@code run_staging} records the choice; see V9's migration).
 */
public final class StagedSet {

    /**
     * The SQL of the staging instance a run's prompts carry in {@code prompt.staged_instance_id}, for the run's job
     * instance bound as {@code :instance}.
     */
    public static final String STAGED_INSTANCE =
            "(SELECT coalesce((SELECT staged_instance_id FROM run_staging WHERE job_instance_id = :instance),"
                    + " :instance))";

    /** A complete staging of the dataset that this job file would repeat row for row. */
    public record Reuse(long instance, long rowsRead) {}

    private StagedSet() {}

    /** The staging instance of a run (its own unless it reused another's). */
    public static long instance(JdbcTemplate jdbc, long run) {
        return jdbc
                .query(
                        "SELECT staged_instance_id FROM run_staging WHERE job_instance_id = ?",
                        (rs, n) -> rs.getLong(1),
                        run)
                .stream()
                .findFirst()
                .orElse(run);
    }

    /** The dataset's last complete staging if the source and settings are unchanged since (never for a database). */
    public static Optional<Reuse> reusable(JdbcTemplate jdbc, JobSpec spec) {
        return SourceFingerprint.of(spec)
                .flatMap(fingerprint -> jdbc
                        .query(
                                "SELECT job_instance_id, rows_read FROM prompt_staging WHERE dataset = ? AND fingerprint = ?",
                                (rs, n) -> new Reuse(rs.getLong(1), rs.getLong(2)),
                                spec.dataset(),
                                fingerprint)
                        .stream()
                        .findFirst());
    }
}
