package dev.imagegen.plan;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.source.SourcePreview;
import dev.imagegen.source.StagedSet;
import dev.imagegen.spec.JobSpec;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** The variants source row {@code s} misses for its request hash (parameters: variants, dataset, variants). */
    private static final String MISSING = "greatest(0, ? - (SELECT count(*) FROM generated_image g"
            + " WHERE g.dataset = ? AND g.prompt_id = s.prompt_id"
            + " AND g.request_hash = s.request_hash AND g.variant < ?))";
    /**
     * Whether {@code s} failed for good earlier in the run, so that its restart does not send it (parameters: dataset,
     * job instance): the rule of {@link PendingPrompts}.
     */
    private static final String SKIPPED_IN_RUN = "EXISTS (SELECT 1 FROM prompt_failure f WHERE f.dataset = ?"
            + " AND f.prompt_id = s.prompt_id AND f.resolved_at IS NULL AND f.job_instance_id = ?"
            + " AND f.kind NOT IN " + PendingPrompts.RETRIED_KINDS + ")";

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
    private Census fromSource(Long instance) {
        return inScratch(instance, () -> {
            long[] inserted = {0};
            SourcePreview.Totals totals = new SourcePreview(spec).read(BATCH, batch -> inserted[0] += insert(batch));
            long duplicates = totals.rows() - totals.rejected() - inserted[0];
            return new long[] {totals.rows(), totals.rejected() + duplicates};
        });
    }

    /** The prompts of a staging (the job instance {@code staged}) as they are, with its rejected rows. */
    private Census fromStaging(long staged, Long instance) {
        return inScratch(instance, () -> {
            long n = jdbc.update("""
                    INSERT INTO plan_source (prompt_id, request_hash)
                    SELECT prompt_id, request_hash FROM prompt WHERE dataset = ? AND staged_instance_id = ?""", spec.dataset(), staged);
            long r = jdbc.queryForObject(
                    "SELECT count(*) FROM source_reject WHERE dataset = ? AND job_instance_id = ?",
                    Long.class,
                    spec.dataset(),
                    staged);
            return new long[] {n + r, r};
        });
    }

    private Census inScratch(Long instance, java.util.function.Supplier<long[]> fill) {
        return transaction.execute(status -> {
            try {
                jdbc.execute("CREATE TEMPORARY TABLE plan_source (prompt_id text PRIMARY KEY, request_hash text "
                        + "NOT NULL) ON COMMIT DROP");
                long[] read = fill.get();
                return count(read[0], read[1], instance);
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

    private Census count(long rows, long rejected, Long instance) {
        int variants = spec.model().imagesPerPrompt();
        Map<String, Object> m = jdbc.queryForMap(
                withRules("""
                WITH c AS (
                  SELECT s.prompt_id, p.request_hash AS staged_hash, s.request_hash,
                         /*missing*/ AS missing,
                         EXISTS (SELECT 1 FROM prompt_failure f WHERE f.dataset = ? AND f.prompt_id = s.prompt_id
                                    AND f.resolved_at IS NULL) AS failed,
                         /*skipped-in-run*/ AS skipped_in_run
                    FROM plan_source s LEFT JOIN prompt p ON p.dataset = ? AND p.prompt_id = s.prompt_id),
                k AS (
                  SELECT *, CASE WHEN missing = 0 THEN 'done' WHEN staged_hash IS NULL THEN 'new'
                                 WHEN staged_hash <> request_hash THEN 'changed' WHEN failed THEN 'failed'
                                 ELSE 'waiting' END AS kind
                    FROM c)
                SELECT count(*) AS prompts,
                       count(*) FILTER (WHERE kind = 'done') AS done,
                       count(*) FILTER (WHERE kind = 'new') AS new,
                       count(*) FILTER (WHERE kind = 'changed') AS changed,
                       count(*) FILTER (WHERE kind = 'failed') AS failed,
                       count(*) FILTER (WHERE kind = 'waiting') AS waiting,
                       count(*) FILTER (WHERE kind <> 'done' AND skipped_in_run) AS skipped_in_run,
                       coalesce(sum(missing) FILTER (WHERE NOT skipped_in_run), 0) AS images,
                       (SELECT count(*) FROM prompt WHERE dataset = ?) AS staged,
                       (SELECT count(*) FROM prompt p WHERE p.dataset = ?
                           AND NOT EXISTS (SELECT 1 FROM plan_source s WHERE s.prompt_id = p.prompt_id)) AS gone
                  FROM k"""),
                variants,
                spec.dataset(),
                variants,
                spec.dataset(),
                spec.dataset(),
                instance == null ? -1L : instance,
                spec.dataset(),
                spec.dataset(),
                spec.dataset());
        return new Census(
                rows,
                rejected,
                number(m, "prompts"),
                number(m, "new"),
                number(m, "changed"),
                number(m, "failed"),
                number(m, "waiting"),
                number(m, "done"),
                number(m, "skipped_in_run"),
                number(m, "staged"),
                number(m, "gone"),
                number(m, "images"),
                missingPerPrompt(instance, variants));
    }

    /**
     * How many prompts miss how many variants (variants missing → prompts), for the number of calls: a prompt that
     * misses m variants takes ceil(m / images per call) calls.
     */
    private Map<Integer, Long> missingPerPrompt(Long instance, int variants) {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        jdbc.query(
                withRules("""
                SELECT missing, count(*) FROM (
                  SELECT /*missing*/ AS missing
                    FROM plan_source s
                   WHERE NOT /*skipped-in-run*/) m
                 WHERE missing > 0 GROUP BY missing"""),
                rs -> {
                    out.put(rs.getInt(1), rs.getLong(2));
                },
                variants,
                spec.dataset(),
                variants,
                spec.dataset(),
                instance == null ? -1L : instance);
        return out;
    }

    /** The census's SQL with {@link #MISSING} and {@link #SKIPPED_IN_RUN} in place of their markers. */
    private static String withRules(String sql) {
        return sql.replace("/*missing*/", MISSING).replace("/*skipped-in-run*/", SKIPPED_IN_RUN);
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
