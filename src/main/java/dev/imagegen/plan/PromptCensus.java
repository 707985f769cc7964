package dev.imagegen.plan;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.source.SourcePreview;
import dev.imagegen.source.StagedSet;
import dev.imagegen.spec.JobSpec;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which prompts a run would send, without staging anything: the source is read as staging reads it into a temporary
 * table (one transaction, rolled back at the end, so nothing of it outlives the command) and compared there with
 * {@code prompt}, {@code generated_image} and {@code prompt_failure}. Memory stays flat however large the source.
 */
final class PromptCensus {

    private static final int BATCH = 2000;
    /**
     * One pass over the source rows ({@code s}: prompt id, request hash and the hash staged for that id, if any) with
     * the images and open failures of the dataset joined by hash (not a subquery per row, which PostgreSQL evaluated
     * once per use: three index probes per prompt), grouped by what the census tells apart. {@code missing} is the
     * variants a row misses for its request hash; {@code skipped_in_run} whether it failed for good earlier in the
     * run, so that its restart does not send it: the rule of {@link PendingPrompts}. Parameters: those of the
     * source, then dataset, variants, job instance, dataset, variants.
     */
    private static final String CENSUS = """
            WITH s AS (/*source*/),
            g AS (
              SELECT prompt_id, request_hash, count(*) AS n FROM generated_image
               WHERE dataset = ? AND variant < ? GROUP BY prompt_id, request_hash),
            f AS (
              SELECT prompt_id, coalesce(bool_or(job_instance_id = ? AND kind NOT IN /*retried*/), false) AS in_run
                FROM prompt_failure WHERE dataset = ? AND resolved_at IS NULL GROUP BY prompt_id),
            c AS (
              SELECT s.staged_hash, s.request_hash,
                     greatest(0, ? - coalesce(g.n, 0)) AS missing,
                     f.prompt_id IS NOT NULL AS failed, coalesce(f.in_run, false) AS skipped_in_run
                FROM s
                LEFT JOIN g ON g.prompt_id = s.prompt_id AND g.request_hash = s.request_hash
                LEFT JOIN f ON f.prompt_id = s.prompt_id)
            SELECT CASE WHEN missing = 0 THEN 'done' WHEN staged_hash IS NULL THEN 'new'
                        WHEN staged_hash <> request_hash THEN 'changed' WHEN failed THEN 'failed'
                        ELSE 'waiting' END AS kind,
                   skipped_in_run, missing, count(*) AS n
              FROM c GROUP BY 1, 2, 3""".replace("/*retried*/", PendingPrompts.RETRIED_KINDS);

    /** The source read into {@code plan_source}, with what is staged for each id. Parameter: dataset. */
    private static final String READ_SOURCE = """
            SELECT s.prompt_id, s.request_hash, p.request_hash AS staged_hash
              FROM plan_source s LEFT JOIN prompt p ON p.dataset = ? AND p.prompt_id = s.prompt_id""";

    /**
     * A staging's own rows, read where they are (copying 100,000 of them into {@code plan_source} took 0.5 s of a
     * nightly run's start). Parameters: dataset, the staging's job instance.
     */
    private static final String STAGED_SOURCE = """
            SELECT prompt_id, request_hash, request_hash AS staged_hash
              FROM prompt WHERE dataset = ? AND staged_instance_id = ?""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final JobSpec spec;

    PromptCensus(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, JobSpec spec) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactionManager);
        this.spec = spec;
    }

    /**
     * The prompts the run would send: from the staging it works on when that exists (its own after its stage step,
     * or a complete one a new run will reuse, {@link StagedSet}): no need to read the source; else from the source.
     *
     * @param instance the run's job instance when it exists (failures it recorded for good are not sent again),
     *                 else null
     * @param staged whether that run's stage step completed
     */
    Census of(Long instance, boolean staged) {
        Optional<Long> staging = staged
                ? Optional.of(StagedSet.instance(jdbc, instance))
                : StagedSet.reusable(jdbc, spec).map(StagedSet.Reuse::instance);
        return staging.isPresent() ? fromStaging(staging.get(), instance) : fromSource(instance);
    }

    /** The prompts of the source as a new run (or a restart whose staging is unfinished) would stage them. */
    Census fromSource(Long instance) {
        return inScratch(instance, () -> {
            long[] inserted = {0};
            SourcePreview.Totals totals = new SourcePreview(spec).read(BATCH, batch -> inserted[0] += insert(batch));
            long duplicates = totals.rows() - totals.rejected() - inserted[0];
            return new long[] {totals.rows(), totals.rejected() + duplicates};
        });
    }

    /** The prompts of a staging (the job instance {@code staged}) as they are, with its rejected rows. */
    Census fromStaging(long staged, Long instance) {
        Map<String, Object> table = jdbc.queryForMap("""
                SELECT count(*) AS staged, count(*) FILTER (WHERE staged_instance_id = ?) AS prompts
                  FROM prompt WHERE dataset = ?""", staged, spec.dataset());
        long rejected = jdbc.queryForObject(
                "SELECT count(*) FROM source_reject WHERE dataset = ? AND job_instance_id = ?",
                Long.class,
                spec.dataset(),
                staged);
        long prompts = number(table, "prompts");
        long all = number(table, "staged");
        return count(
                prompts + rejected,
                rejected,
                instance,
                new Object[] {spec.dataset(), staged},
                STAGED_SOURCE,
                all,
                all - prompts);
    }

    private Census inScratch(Long instance, java.util.function.Supplier<long[]> fill) {
        return transaction.execute(status -> {
            try {
                jdbc.execute("CREATE TEMPORARY TABLE plan_source (prompt_id text PRIMARY KEY, request_hash text "
                        + "NOT NULL) ON COMMIT DROP");
                long[] read = fill.get();
                Map<String, Object> table = jdbc.queryForMap("""
                        SELECT (SELECT count(*) FROM prompt WHERE dataset = ?) AS staged,
                               (SELECT count(*) FROM prompt p WHERE p.dataset = ?
                                   AND NOT EXISTS (SELECT 1 FROM plan_source s WHERE s.prompt_id = p.prompt_id)) AS gone""", spec.dataset(), spec.dataset());
                return count(
                        read[0],
                        read[1],
                        instance,
                        new Object[] {spec.dataset()},
                        READ_SOURCE,
                        number(table, "staged"),
                        number(table, "gone"));
            } finally {
                // Nothing of the census is kept; the temporary table goes with the transaction.
                status.setRollbackOnly();
            }
        });
    }

    /** @return how many rows were new to the table (a repeated id is a duplicate, the first one wins) */
    private long insert(List<SourcePreview.Prompt> batch) {
        String[] ids = batch.stream().map(SourcePreview.Prompt::promptId).toArray(String[]::new);
        String[] hashes = batch.stream().map(SourcePreview.Prompt::requestHash).toArray(String[]::new);
        Long n = jdbc.execute((java.sql.Connection con) -> {
            try (PreparedStatement ps = con.prepareStatement("""
                    INSERT INTO plan_source (prompt_id, request_hash)
                    SELECT r.prompt_id, r.request_hash
                      FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS r (prompt_id, request_hash, n)
                     ORDER BY r.n
                    ON CONFLICT (prompt_id) DO NOTHING""")) {
                ps.setArray(1, con.createArrayOf("text", ids));
                ps.setArray(2, con.createArrayOf("text", hashes));
                return (long) ps.executeUpdate();
            }
        });
        return n == null ? 0 : n;
    }

    /**
     * @param source the rows to count ({@link #READ_SOURCE} or {@link #STAGED_SOURCE}) and its parameters
     * @param staged the dataset's prompt rows; {@code gone} those of them the source no longer has
     */
    private Census count(
            long rows, long rejected, Long instance, Object[] sourceParams, String source, long staged, long gone) {
        int variants = spec.model().imagesPerPrompt();
        Map<String, Long> kinds = new HashMap<>();
        Map<Integer, Long> missing = new TreeMap<>();
        long[] skippedAndImages = {0, 0};
        List<Object> params = new ArrayList<>(List.of(sourceParams));
        params.addAll(List.of(spec.dataset(), variants, instance == null ? -1L : instance, spec.dataset(), variants));
        jdbc.query(
                CENSUS.replace("/*source*/", source),
                rs -> {
                    String kind = rs.getString("kind");
                    boolean skipped = rs.getBoolean("skipped_in_run");
                    int m = rs.getInt("missing");
                    long n = rs.getLong("n");
                    kinds.merge(kind, n, Long::sum);
                    if (skipped && m > 0) {
                        skippedAndImages[0] += n;
                    } else if (!skipped && m > 0) {
                        skippedAndImages[1] += (long) m * n;
                        // A prompt that misses m variants takes ceil(m / images per call) calls.
                        missing.merge(m, n, Long::sum);
                    }
                },
                params.toArray());
        return new Census(
                rows,
                rejected,
                kinds.values().stream().mapToLong(Long::longValue).sum(),
                kinds.getOrDefault("new", 0L),
                kinds.getOrDefault("changed", 0L),
                kinds.getOrDefault("failed", 0L),
                kinds.getOrDefault("waiting", 0L),
                kinds.getOrDefault("done", 0L),
                skippedAndImages[0],
                staged,
                gone,
                skippedAndImages[1],
                missing);
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /**
     * What the census found. Source rows: {@code rows} read, {@code rejected} of them (bad rows and duplicate ids);
     * the other {@code prompts} are {@code done} (every variant has an image for the current request), {@code fresh}
     * (not staged before), {@code changed} (staged with another request hash), {@code failed} (an unresolved failure)
     * or {@code waiting} (staged, never generated: a run stopped before it). {@code skippedInRun} of them failed for
     * good earlier in the same run and are not sent again by its restart. {@code staged} counts the prompt table,
     * {@code gone} its rows no longer in the source. {@code images} is what the run would make.
     */
    record Census(
            long rows,
            long rejected,
            long prompts,
            long fresh,
            long changed,
            long failed,
            long waiting,
            long done,
            long skippedInRun,
            long staged,
            long gone,
            long images,
            Map<Integer, Long> missing) {

        Census {
            missing = Map.copyOf(missing);
        }

        /** The calls that make {@link #images} when one call returns up to {@code perCall} images. */
        long calls(int perCall) {
            int n = Math.max(1, perCall);
            return missing.entrySet().stream()
                    .mapToLong(e -> (e.getKey() + n - 1) / n * e.getValue())
                    .sum();
        }

        /** Prompts the run would send (some or all of their variants). */
        long toSend() {
            return missing.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
